import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a download must turn out to be; checked before the file is renamed into place.
public struct Expectation {
    public var bytes: Int64?
    public var sha256: String?
    public var gitBlob: String?
    public init(bytes: Int64? = nil, sha256: String? = nil, gitBlob: String? = nil) {
        self.bytes = bytes; self.sha256 = sha256; self.gitBlob = gitBlob
    }
}

public struct DownloadOptions {
    public var retries: Int = 5
    /// First back-off; doubled after each failed attempt.
    public var backoff: TimeInterval = 1
    /// Seconds without any data before an attempt is abandoned (and resumed).
    public var idleTimeout: TimeInterval = 60
    public var headers: [String: String] = [:]
    public var log: (String) -> Void = { _ in }
    public init() {}
}

/// Headers of interest from the last response (and from redirects on the way to it).
public struct DownloadResult {
    public var url: URL
    public var digest: FileDigest
    /// `X-Linked-ETag` (the hub's sha256 of an LFS file) or `ETag`, quotes removed, from any hop.
    public var linkedETag: String?
    public var attempts: Int
}

/// HTTP(S) downloads into `<dest>.part` with resume (Range), retries with exponential back-off,
/// verification, and an atomic rename into place. A failed download leaves at most the `.part` file,
/// which the next run resumes.
public final class Downloader {
    public let options: DownloadOptions
    public init(options: DownloadOptions = DownloadOptions()) { self.options = options }

    public func download(_ url: URL, to dest: URL, expect: Expectation,
                         expectFromHeaders: ((String?) -> Expectation?)? = nil) throws -> DownloadResult {
        let fm = FileManager.default
        try fm.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        let part = dest.appendingPathExtension("part")
        var attempt = 0
        var checksumFailures = 0
        var delay = options.backoff
        var etag: String?
        while true {
            attempt += 1
            let have = (try? fm.attributesOfItem(atPath: part.path)[.size] as? NSNumber)??.int64Value ?? 0
            if let b = expect.bytes, have > b { try? fm.removeItem(at: part) }
            let outcome = try transfer(url, to: part, from: (expect.bytes.map { have > $0 } ?? false) ? 0 : have)
            if let e = outcome.linkedETag { etag = e }
            switch outcome.result {
            case .complete:
                var want = expect
                if let extra = expectFromHeaders?(etag) {
                    want.sha256 = want.sha256 ?? extra.sha256
                    want.bytes = want.bytes ?? extra.bytes
                }
                let d = try FileDigest.of(part)
                if let problem = mismatch(d, want) {
                    // Wrong bytes: resuming cannot help, start over once, then give up.
                    try? fm.removeItem(at: part)
                    checksumFailures += 1
                    options.log("  \(url.lastPathComponent): \(problem); \(checksumFailures < 2 ? "downloading again" : "giving up")")
                    if checksumFailures >= 2 {
                        throw StoreError.checksum(path: url.absoluteString, expected: describe(want), actual: problem)
                    }
                    continue
                }
                try AtomicFile.commit(part, to: dest)
                return DownloadResult(url: dest, digest: d, linkedETag: etag, attempts: attempt)
            case let .fatal(status):
                throw StoreError.http(url: url.absoluteString, status: status)
            case let .retry(reason):
                guard attempt <= options.retries else {
                    let kept = fm.fileExists(atPath: part.path) ? "; partial data kept in \(part.path) for the next run" : ""
                    throw StoreError.network(url: url.absoluteString, reason: "\(reason) (after \(attempt) attempts\(kept))")
                }
                options.log("  \(url.lastPathComponent): \(reason); retrying in \(String(format: "%.1f", delay)) s")
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 60)
            }
        }
    }

    private func describe(_ e: Expectation) -> String {
        if let s = e.sha256 { return "sha256 \(s)" }
        if let g = e.gitBlob { return "git blob \(g)" }
        return e.bytes.map { "\($0) bytes" } ?? "?"
    }

    private func mismatch(_ d: FileDigest, _ e: Expectation) -> String? {
        if let b = e.bytes, b != d.bytes { return "got \(d.bytes) bytes, expected \(b)" }
        if let s = e.sha256, s != d.sha256 { return "sha256 \(d.sha256), expected \(s)" }
        if let g = e.gitBlob, g != d.gitBlob { return "git blob \(d.gitBlob), expected \(g)" }
        return nil
    }

    enum Result { case complete, fatal(Int), retry(String) }

    /// One HTTP attempt appending to `part` from byte `offset`.
    func transfer(_ url: URL, to part: URL, from offset: Int64) throws -> (result: Result, linkedETag: String?) {
        var req = URLRequest(url: url)
        req.timeoutInterval = options.idleTimeout
        for (k, v) in options.headers { req.setValue(v, forHTTPHeaderField: k) }
        if offset > 0 { req.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let sink = try Sink(part: part, offset: offset)
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = options.idleTimeout
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: config, delegate: sink, delegateQueue: nil)
        session.dataTask(with: req).resume()
        sink.done.wait()
        session.finishTasksAndInvalidate()
        sink.close()
        return (sink.result, sink.linkedETag)
    }

    /// Receives one response; writes bytes as they come so a dropped connection keeps what arrived.
    final class Sink: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let part: URL
        private let offset: Int64
        private var fd: Int32 = -1
        private var expectedTotal: Int64 = -1
        private var received: Int64 = 0
        private var writeError: String?
        private var status = 0
        var result: Result = .retry("no response")
        var linkedETag: String?

        init(part: URL, offset: Int64) throws {
            self.part = part
            self.offset = offset
        }

        func close() { if fd >= 0 { fsync(fd); Glibc.close(fd); fd = -1 } }

        private func noteETag(_ r: HTTPURLResponse) {
            let h = r.value(forHTTPHeaderField: "X-Linked-ETag") ?? r.value(forHTTPHeaderField: "ETag")
            if let h { linkedETag = h.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "W/", with: "") }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            if let e = response.value(forHTTPHeaderField: "X-Linked-ETag") {
                linkedETag = e.replacingOccurrences(of: "\"", with: "")
            }
            completionHandler(request)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            guard let r = response as? HTTPURLResponse else { completionHandler(.cancel); return }
            status = r.statusCode
            if r.value(forHTTPHeaderField: "X-Linked-ETag") != nil || linkedETag == nil { noteETag(r) }
            var flags = O_WRONLY | O_CREAT
            switch status {
            case 206:
                // Content-Range: bytes START-END/TOTAL must start where our .part ends.
                let cr = r.value(forHTTPHeaderField: "Content-Range") ?? ""
                let nums = cr.split(whereSeparator: { !"0123456789".contains($0) }).compactMap { Int64($0) }
                guard nums.count >= 2, nums[0] == offset else {
                    result = .retry("server answered a range request with '\(cr)'"); completionHandler(.cancel); return
                }
                if nums.count >= 3 { expectedTotal = nums[2] - offset }
            case 200:
                flags |= O_TRUNC  // the server ignored Range: start over
                expectedTotal = r.expectedContentLength
            case 416 where offset > 0:
                result = .complete; completionHandler(.cancel); return  // .part already holds everything
            case 408, 429, 500...599:
                result = .retry("HTTP \(status)"); completionHandler(.cancel); return
            default:
                result = .fatal(status); completionHandler(.cancel); return
            }
            fd = open(part.path, flags, 0o644)
            if fd < 0 { writeError = String(cString: strerror(errno)); completionHandler(.cancel); return }
            if status == 206 { lseek(fd, off_t(offset), SEEK_SET) }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard fd >= 0, writeError == nil else { return }
            data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
                var p = b.baseAddress!, n = b.count
                while n > 0 {
                    let w = write(fd, p, n)
                    if w < 0 { writeError = String(cString: strerror(errno)); return }
                    p += w; n -= w
                }
            }
            received += Int64(data.count)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            defer { done.signal() }
            if let w = writeError { result = .retry("cannot write \(part.path): \(w)"); return }
            guard fd >= 0 else {  // no body: decided in didReceive response, or no response at all
                if let error, case .retry("no response") = result { result = .retry("no response: \(error.localizedDescription)") }
                return
            }
            if let error {
                result = .retry("connection failed after \(received) bytes: \(error.localizedDescription)")
            } else if expectedTotal >= 0 && received < expectedTotal {
                result = .retry("connection closed after \(received) of \(expectedTotal) bytes")
            } else {
                result = .complete
            }
        }
    }
}

extension Downloader {
    /// GET of a small document (an API answer) into memory, with the same retries and back-off.
    public func get(_ url: URL) throws -> Data {
        var delay = options.backoff
        var attempt = 0
        while true {
            attempt += 1
            var req = URLRequest(url: url)
            req.timeoutInterval = options.idleTimeout
            for (k, v) in options.headers { req.setValue(v, forHTTPHeaderField: k) }
            let config = URLSessionConfiguration.ephemeral
            config.timeoutIntervalForRequest = options.idleTimeout
            let session = URLSession(configuration: config)
            let sem = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var out: (Data?, URLResponse?, Error?) = (nil, nil, nil)
            session.dataTask(with: req) { d, r, e in out = (d, r, e); sem.signal() }.resume()
            sem.wait()
            session.finishTasksAndInvalidate()
            let status = (out.1 as? HTTPURLResponse)?.statusCode ?? 0
            if out.2 == nil, status == 200, let d = out.0 { return d }
            let retryable = out.2 != nil || status == 408 || status == 429 || status >= 500
            if !retryable { throw StoreError.http(url: url.absoluteString, status: status) }
            if attempt > options.retries {
                throw StoreError.network(url: url.absoluteString, reason: out.2.map { "\($0.localizedDescription)" } ?? "HTTP \(status)")
            }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, 60)
        }
    }
}
