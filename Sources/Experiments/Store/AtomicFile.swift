import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file writes that a kill cannot leave half-done: the bytes go to a temporary file in the
/// same folder, are flushed to disk, and replace the target with one rename(2).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw SpecError(file: tmp.path, field: "-", message: "cannot create temporary file")
        }
        let h = try FileHandle(forWritingTo: tmp)
        do {
            try h.write(contentsOf: data)
            try h.synchronize()
            try h.close()
        } catch {
            try? h.close()
            throw SpecError(file: tmp.path, field: "-", message: "write failed: \(error)")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(tmp.path)
            throw SpecError(file: url.path, field: "-", message: "rename failed: \(e)")
        }
    }

    public static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url) }

    /// Appends one line with a single write(2) on an O_APPEND descriptor (whole lines, even from
    /// several processes).
    public static func appendLine(_ line: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw SpecError(file: url.path, field: "-", message: "cannot open for append") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SpecError(file: url.path, field: "-", message: "short append") }
    }
}
