import Foundation
import CArchive

/// Extracts the regular files of a tar / tar.gz / zip (anything libarchive reads) into a staging
/// folder, refusing the whole archive on the first unsafe entry: absolute paths, `..` components,
/// symlinks or hard links whose target leaves the archive root, devices and fifos.
enum ArchiveReader {
    static let archiveSuffixes = [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip", ".tar.zst"]

    static func looksLikeArchive(_ url: URL) -> Bool {
        let n = url.lastPathComponent.lowercased()
        return archiveSuffixes.contains { n.hasSuffix($0) }
    }

    /// What one extraction wrote, and the members it left out for being larger than `maxMemberBytes`.
    struct Extracted {
        var written: [String] = []
        var skipped: [(path: String, bytes: Int64)] = []
    }

    /// Writes every regular-file entry to `staging/<entry path>`; returns the relative paths written.
    /// A member larger than `maxMemberBytes(path)` (by its header, or once that many bytes have come
    /// out of the decompressor) cannot be any registered file: it is dropped from staging, so a
    /// decompression bomb costs CPU, not disk. A member whose declared size exceeds the free space
    /// left in `staging` is refused before anything is written.
    /// Throws `StoreError.unsafeArchiveEntry` or `.archive`; the caller removes `staging` on error.
    static func extract(_ archive: URL, into staging: URL, maxMemberBytes: (String) -> Int64 = { _ in .max }) throws -> Extracted {
        guard let a = archive_read_new() else { throw StoreError.archive(path: archive.path, reason: "libarchive: out of memory") }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_all(a)
        func fail(_ what: String) -> StoreError {
            let msg = archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
            return StoreError.archive(path: archive.path, reason: "\(what): \(msg)")
        }
        guard archive_read_open_filename(a, archive.path, 1 << 16) == ARCHIVE_OK else { throw fail("cannot open") }

        var result = Extracted()
        var writtenSet = Set<String>()
        let cap = 1 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
        defer { buf.deallocate() }
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            if r < ARCHIVE_WARN { throw fail("corrupt or truncated archive") }
            guard let e = entry else { throw fail("no entry") }
            guard let cname = archive_entry_pathname(e) else { throw fail("entry without a name") }
            let name = String(cString: cname)
            func refuse(_ why: String) -> StoreError { .unsafeArchiveEntry(archive: archive.path, entry: name, reason: why) }
            guard let rel = normalise(name) else {
                throw refuse(name.hasPrefix("/") ? "absolute path" : "a '..' component (or a NUL or backslash) leads outside the target folder")
            }
            if let hl = archive_entry_hardlink(e) {
                let target = String(cString: hl)
                guard let t = normalise(target), writtenSet.contains(t) else {
                    throw refuse("hard link to '\(target)' points outside the archive's files")
                }
                try copyStaged(staging.appendingPathComponent(t), to: staging.appendingPathComponent(rel))
                if writtenSet.insert(rel).inserted { result.written.append(rel) }
                continue
            }
            let type = UInt32(archive_entry_filetype(e))
            if type == 0o040000 { continue }
            if type == 0o120000 {
                let target = archive_entry_symlink(e).map { String(cString: $0) } ?? ""
                // The link's folder, by string: NSString path helpers trap on one-character names.
                let base = rel.split(separator: "/").dropLast().joined(separator: "/")
                guard !target.hasPrefix("/"), normalise(base.isEmpty ? target : base + "/" + target) != nil else {
                    throw refuse("symlink to '\(target)' points outside the target folder")
                }
                continue  // safe symlinks are not materialised: data files are regular files
            }
            guard type == 0o100000 else { throw refuse("not a regular file, directory or link") }
            if rel.isEmpty { continue }
            let limit = maxMemberBytes(rel)
            let declared = archive_entry_size_is_set(e) != 0 ? Int64(archive_entry_size(e)) : -1
            if declared > limit {
                result.skipped.append((rel, declared))
                continue  // libarchive skips the member's data on the next header read
            }
            if declared > 0, let free = freeBytes(staging), declared > free {
                throw StoreError.io(path: staging.path, reason: "member '\(name)' needs \(declared) bytes, only \(free) free")
            }
            let dest = staging.appendingPathComponent(rel)
            try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
            let fd = open(dest.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw StoreError.io(path: dest.path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            var total: Int64 = 0
            var tooLarge = false
            while true {
                let n = archive_read_data(a, buf, cap)
                if n == 0 { break }
                if n < 0 { throw fail("corrupt or truncated data in '\(name)'") }
                total += Int64(n)
                if total > limit { tooLarge = true; break }
                var off = 0
                while off < n {
                    let w = write(fd, buf + off, n - off)
                    if w < 0 { throw StoreError.io(path: dest.path, reason: String(cString: strerror(errno))) }
                    off += w
                }
            }
            if tooLarge {
                unlink(dest.path)
                result.skipped.append((rel, total))
                continue
            }
            if writtenSet.insert(rel).inserted { result.written.append(rel) }
        }
        return result
    }

    /// Bytes available to an unprivileged writer on the file system holding `dir`.
    static func freeBytes(_ dir: URL) -> Int64? {
        var s = statvfs()
        guard statvfs(dir.path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }

    /// `a/./b//c` → `a/b/c`; nil for absolute paths or any `..` that is not purely inside (we refuse all `..`).
    static func normalise(_ p: String) -> String? {
        if p.hasPrefix("/") || p.contains("\0") || p.contains("\\") { return nil }
        var out: [Substring] = []
        for c in p.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == ".." {
                // A `..` that stays inside (a/../b) is harmless, one that climbs out is not.
                if out.isEmpty { return nil }
                out.removeLast()
                continue
            }
            out.append(c)
        }
        return out.joined(separator: "/")
    }

    private static func copyStaged(_ src: URL, to dst: URL) throws {
        try FileManager.default.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: dst)
        do { try FileManager.default.copyItem(at: src, to: dst) } catch {
            throw StoreError.io(path: dst.path, reason: "\(error.localizedDescription)")
        }
    }
}
