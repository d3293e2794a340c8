import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Tensor data is decoded straight from the map, so a
/// checkpoint is never copied into memory as raw bytes first.
public final class MappedFile {
    public let path: String
    public let count: Int
    private let base: UnsafeMutableRawPointer?

    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else {
            throw CheckpointError.cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CheckpointError.cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            let kind = (st.st_mode & S_IFMT) == S_IFDIR ? "a folder" : (st.st_mode & S_IFMT) == S_IFIFO ? "a FIFO" : "a device or socket"
            throw CheckpointError.cannotOpen(file: path, reason: "not a regular file (\(kind))")
        }
        count = Int(st.st_size)
        if count == 0 { base = nil; return }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw CheckpointError.cannotOpen(file: path, reason: "mmap: " + String(cString: strerror(errno)))
        }
        base = p
    }

    deinit { if let base { munmap(base, count) } }

    /// Drops this process's resident pages covering `range` (bytes already decoded elsewhere). The
    /// data stays in the page cache and a later read faults it back in, so loading a checkpoint
    /// does not hold the whole file resident beside the decoded weights. The map is read-only, so
    /// no page can carry changes that this would lose.
    public func release(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = range.lowerBound / page * page
        let hi = min(count, (range.upperBound + page - 1) / page * page)
        guard lo < hi else { return }
        _ = madvise(base + lo, hi - lo, MADV_DONTNEED)
    }

    /// The mapped bytes; valid while `self` is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
