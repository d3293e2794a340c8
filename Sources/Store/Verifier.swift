import Foundation

/// The state of one registered file on disk.
public enum FileState: Equatable {
    case verified
    case missing
    case corrupt(String)
}

/// Checks files against registry entries. Digests are cached (in memory and in
/// `<root>/.sftgo/digests.json`) keyed by path, size, mtime and inode, so repeated runs do not
/// re-hash unchanged files; the comparison with the registry is always made afresh.
final class Verifier {
    struct CacheEntry: Codable { var size: Int64; var mtime: Double; var inode: UInt64; var digest: FileDigest }

    let root: URL
    private var cache: [String: CacheEntry] = [:]
    private var dirty = false
    private var loaded = false
    /// Evaluation may ask for files from several threads; the cache is shared state.
    private let lock = NSLock()

    init(root: URL) { self.root = root }

    private var cacheURL: URL { root.appendingPathComponent(".sftgo/digests.json") }

    private func loadCache() {
        guard !loaded else { return }
        loaded = true
        if let data = try? Data(contentsOf: cacheURL),
           let c = try? JSONDecoder().decode([String: CacheEntry].self, from: data) { cache = c }
    }

    func saveCache() {
        lock.lock(); defer { lock.unlock() }
        guard dirty else { return }
        dirty = false
        guard let data = try? JSONEncoder().encode(cache) else { return }
        try? FileManager.default.createDirectory(at: cacheURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Best effort: a failed cache write only costs a re-hash next time.
        let tmp = cacheURL.appendingPathExtension("tmp-\(getpid())")
        if (try? data.write(to: tmp)) != nil { _ = rename(tmp.path, cacheURL.path) }
    }

    static func statKey(_ path: String) -> (size: Int64, mtime: Double, inode: UInt64, isRegular: Bool)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) * 1e-9
        return (Int64(st.st_size), mtime, UInt64(st.st_ino), (st.st_mode & S_IFMT) == S_IFREG)
    }

    /// Moves a cached digest with its file (after an atomic rename).
    func renamed(from old: URL, to new: URL) {
        lock.lock(); defer { lock.unlock() }
        loadCache()
        if let e = cache.removeValue(forKey: old.standardizedFileURL.path) {
            cache[new.standardizedFileURL.path] = e
            dirty = true
        }
    }

    /// Forget every cached digest (`data verify --rehash`).
    func dropCache() { lock.lock(); defer { lock.unlock() }; loadCache(); cache = [:]; dirty = true }

    /// Digest of the file at `url`, from the cache when size, mtime and inode are unchanged.
    func digest(_ url: URL) throws -> FileDigest {
        let key = url.standardizedFileURL.path
        guard let s = Verifier.statKey(key) else { throw StoreError.io(path: key, reason: "cannot stat") }
        lock.lock()
        loadCache()
        let cached = cache[key]
        lock.unlock()
        if let c = cached, c.size == s.size, c.mtime == s.mtime, c.inode == s.inode { return c.digest }
        let d = try FileDigest.of(url)  // hashed outside the lock: threads may hash different files at once
        lock.lock(); defer { lock.unlock() }
        // Only files inside the data directory are worth remembering (not staging or sources).
        if key.hasPrefix(root.path + "/"), !key.contains("/.sftgo/") {
            cache[key] = CacheEntry(size: s.size, mtime: s.mtime, inode: s.inode, digest: d)
            dirty = true
        }
        return d
    }

    /// Checks `url` against `entry`: size, then sha256 and git blob id, then (only when no hash is
    /// known) rows and the first record.
    func check(_ url: URL, against entry: Registry.File) -> FileState {
        guard let s = Verifier.statKey(url.path) else { return .missing }
        guard s.isRegular else { return .corrupt("not a regular file") }
        if let b = entry.bytes, b != s.size { return .corrupt("size \(s.size) bytes, expected \(b)") }
        if entry.sha256 != nil || entry.gitBlob != nil {
            let d: FileDigest
            do { d = try digest(url) } catch { return .corrupt("\(error)") }
            if let want = entry.sha256, want != d.sha256 { return .corrupt("sha256 \(d.sha256), expected \(want)") }
            if let want = entry.gitBlob, want != d.gitBlob { return .corrupt("git blob \(d.gitBlob), expected \(want)") }
            return .verified
        }
        if let rows = entry.rows, let format = entry.format {
            do {
                let r = try RowCounter.count(url, format: format)
                if r.rows != rows { return .corrupt("\(r.rows) \(format) rows, expected \(rows)") }
                if let first = entry.first, !r.firstRecordText.contains(where: { $0.contains(first) }) {
                    return .corrupt("first record does not contain \"\(first)\"")
                }
            } catch { return .corrupt("\(error)") }
        }
        return .verified
    }
}
