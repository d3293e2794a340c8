import Foundation

/// What `data import` did.
public struct ImportReport {
    public struct Placed { public var dataset: String; public var path: String; public var variant: String; public var alreadyPresent: Bool }
    public var placed: [Placed] = []
    /// Source files (relative to the source) that match no registered file.
    public var ignored: [String] = []
    /// Notes such as skipped symlinks in a source folder.
    public var notes: [String] = []
}

/// Recognises registered files in a folder, an archive or a single file — by content (sha256 / git
/// blob, filtered by size), or, for entries known only by rows, by name plus the row check — and
/// places each verified copy at its registry path with an atomic rename.
struct Importer {
    let store: DataStore

    private struct Target { var dataset: String; var variant: String; var file: Registry.File }

    func run(_ source: URL, datasets only: Set<String>? = nil) throws -> ImportReport {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: source.path, isDirectory: &isDir) else {
            throw StoreError.io(path: source.path, reason: "no such file or folder")
        }
        let src = source.standardizedFileURL.resolvingSymlinksInPath()
        let root = store.root.resolvingSymlinksInPath()
        if isDir.boolValue, src.path == root.path || root.path.hasPrefix(src.path + "/") {
            throw StoreError.io(path: source.path, reason: "is (or contains) the data directory itself; import from elsewhere")
        }
        var report = ImportReport()
        try fm.createDirectory(at: store.root.appendingPathComponent(".sftgo"), withIntermediateDirectories: true)
        if isDir.boolValue {
            let files = walk(src, notes: &report.notes)
            try place(files.map { ($0, src.appendingPathComponent($0)) }, into: &report, only: only)
        } else if ArchiveReader.looksLikeArchive(src) {
            // Staged next to the data so the final rename stays on one file system; always removed.
            // Staging of an import that was killed (defer never ran) is removed here, on the next start.
            removeStaleStaging()
            let staging = store.root.appendingPathComponent(".sftgo/staging-\(getpid())-\(UUID().uuidString.prefix(8))")
            defer { try? fm.removeItem(at: staging) }
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            let limit = memberLimit(only: only)
            let got = try ArchiveReader.extract(src, into: staging, maxMemberBytes: limit)
            for s in got.skipped {
                report.notes.append("not extracted: \(s.path) is larger than any registered file it could be (\(s.bytes) > \(limit(s.path)) bytes)")
                report.ignored.append(s.path)
            }
            try place(got.written.map { ($0, staging.appendingPathComponent($0)) }, into: &report, only: only, archive: src)
        } else {
            try place([(src.lastPathComponent, src)], into: &report, only: only)
        }
        store.verifier.saveCache()
        return report
    }

    /// The largest archive member worth extracting, by member path: any member may match a file of
    /// known size by content, so the largest registered size; a member named like a file registered
    /// without a size (those are matched by name) may be as large as the store's cap.
    private func memberLimit(only: Set<String>?) -> (String) -> Int64 {
        var sized: Int64 = 0
        var unsizedNames = Set<String>()
        for d in store.registry.datasets where only == nil || only!.contains(d.name) {
            for v in d.variants {
                for f in v.files {
                    if let b = f.bytes { sized = max(sized, b) } else { unsizedNames.insert(baseName(f.path)) }
                }
            }
        }
        let cap = max(sized, store.unsizedMemberCap)
        return { unsizedNames.contains(baseName($0)) ? cap : sized }
    }

    private func baseName(_ p: String) -> String { p.split(separator: "/").last.map(String.init) ?? p }

    /// Removes `.sftgo/staging-<pid>-*` folders whose process is gone.
    private func removeStaleStaging() {
        let dir = store.root.appendingPathComponent(".sftgo")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix("staging-") {
            let parts = name.split(separator: "-")
            guard parts.count >= 2, let pid = Int32(parts[1]) else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
    }

    /// Regular files under `dir`, relative paths, sorted; symlinks are skipped (noted), hidden folders too.
    private func walk(_ dir: URL, notes: inout [String]) -> [String] {
        var out: [String] = []
        guard let en = FileManager.default.enumerator(atPath: dir.path) else { return [] }
        while let rel = en.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            guard let s = Verifier.statKey(dir.appendingPathComponent(rel).path) else { continue }
            var st = stat()
            lstat(dir.appendingPathComponent(rel).path, &st)
            if (st.st_mode & S_IFMT) == S_IFLNK { notes.append("skipped symlink \(rel)"); continue }
            if (st.st_mode & S_IFMT) == S_IFDIR { if name.hasPrefix(".") { en.skipDescendants() }; continue }
            if s.isRegular { out.append(rel) }
        }
        return out.sorted()
    }

    /// Matches candidates to registry entries and places them. From an archive, a member at a
    /// registered path whose content matches no entry means a damaged archive: nothing is placed.
    private func place(_ candidates: [(rel: String, url: URL)], into report: inout ImportReport, only: Set<String>?,
                       archive: URL? = nil) throws {
        var targets: [Target] = []
        for d in store.registry.datasets where only == nil || only!.contains(d.name) {
            for v in d.variants { for f in v.files { targets.append(Target(dataset: d.name, variant: v.id, file: f)) } }
        }
        let hashedSizes = Set(targets.compactMap { $0.file.sha256 != nil || $0.file.gitBlob != nil ? $0.file.bytes : nil })
        var plan: [(url: URL, target: Target)] = []
        for (rel, url) in candidates {
            guard let st = Verifier.statKey(url.path) else { continue }
            let base = (rel as NSString).lastPathComponent
            let nameMatches: (Target) -> Bool = { t in
                rel == t.file.path || rel.hasSuffix("/" + t.file.path) || base == (t.file.path as NSString).lastPathComponent
            }
            let pathMatches: (Target) -> Bool = { t in rel == t.file.path || rel.hasSuffix("/" + t.file.path) }
            let needsDigest = hashedSizes.contains(st.size) ||
                targets.contains { ($0.file.sha256 != nil || $0.file.gitBlob != nil) && $0.file.bytes == nil && nameMatches($0) }
            let digest = needsDigest ? try store.verifier.digest(url) : nil
            var matched: [Target] = []
            for t in targets {
                let f = t.file
                if let b = f.bytes, b != st.size { continue }
                if f.sha256 != nil || f.gitBlob != nil {
                    guard let d = digest else { continue }
                    if let s = f.sha256, s != d.sha256 { continue }
                    if let g = f.gitBlob, g != d.gitBlob { continue }
                    matched.append(t)
                } else if nameMatches(t), store.verifier.check(url, against: f) == .verified {
                    matched.append(t)
                }
            }
            if matched.isEmpty {
                if let t = targets.first(where: pathMatches) {
                    // Optional files (e.g. a README) may legitimately differ between releases.
                    let why = "does not match \(t.dataset)/\(t.file.path) (\(t.file.identity))"
                    if let archive, t.file.isRequired { throw StoreError.archive(path: archive.path, reason: "damaged member '\(rel)': \(why)") }
                    report.notes.append("not imported: \(rel) \(why)")
                }
                report.ignored.append(rel)
                continue
            }
            plan += matched.map { (url, $0) }
        }
        var done = Set<String>()  // "dataset/path" already placed from an earlier candidate
        for (url, t) in plan where done.insert("\(t.dataset)/\(t.file.path)").inserted {
            let dest = store.url(dataset: t.dataset, path: t.file.path)
            if store.verifier.check(dest, against: t.file) == .verified {
                report.placed.append(.init(dataset: t.dataset, path: t.file.path, variant: t.variant, alreadyPresent: true))
                continue
            }
            try AtomicFile.copyVerified(from: url, to: dest, entry: t.file, verifier: store.verifier)
            report.placed.append(.init(dataset: t.dataset, path: t.file.path, variant: t.variant, alreadyPresent: false))
        }
    }
}

enum AtomicFile {
    /// Copies `src` to a temporary file beside `dest`, verifies the copy against `entry`, then renames
    /// it into place; on any failure the temporary file is removed and `dest` is untouched.
    static func copyVerified(from src: URL, to dest: URL, entry: Registry.File, verifier: Verifier) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = dest.deletingLastPathComponent().appendingPathComponent(".\(dest.lastPathComponent).sftgo-tmp-\(getpid())")
        try? fm.removeItem(at: tmp)
        do {
            try copyBytes(src, tmp)
            if case let .corrupt(r) = verifier.check(tmp, against: entry) {
                throw StoreError.checksum(path: src.path, expected: entry.identity, actual: r)
            }
            try commit(tmp, to: dest)
            verifier.renamed(from: tmp, to: dest)
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    static func commit(_ tmp: URL, to dest: URL) throws {
        guard rename(tmp.path, dest.path) == 0 else {
            throw StoreError.io(path: dest.path, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
    }

    static func copyBytes(_ src: URL, _ dst: URL) throws {
        let out = open(dst.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard out >= 0 else { throw StoreError.io(path: dst.path, reason: String(cString: strerror(errno))) }
        defer { close(out) }
        var writeError: Int32 = 0
        try FileDigest.stream(src) { chunk in
            guard writeError == 0, var p = chunk.baseAddress else { return }
            var n = chunk.count
            while n > 0 {
                let w = write(out, p, n)
                if w < 0 { writeError = errno; return }
                p += w; n -= w
            }
        }
        if writeError != 0 { throw StoreError.io(path: dst.path, reason: String(cString: strerror(writeError))) }
        guard fsync(out) == 0 else { throw StoreError.io(path: dst.path, reason: "fsync failed") }
    }
}
