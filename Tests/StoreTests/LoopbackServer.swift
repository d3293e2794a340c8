import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for download tests: GET with Range, and faults on purpose.
/// One thread per connection, `Connection: close`; it stops on `stop()` or by itself after `lifetime`.
final class LoopbackServer: @unchecked Sendable {
    struct Route {
        var status = 200
        var body = Data()
        var headers: [String: String] = [:]
    }

    enum Fault {
        /// Send full headers, then only `n` body bytes, then close the connection.
        case dropAfter(Int)
        /// Same length, different bytes.
        case wrongBytes
        /// Wait before answering.
        case delay(TimeInterval)
        /// Send `n` body bytes, then stall for `seconds` before continuing.
        case stallAfter(Int, seconds: TimeInterval)
        /// Answer with this status and an empty body.
        case status(Int)
        /// Answer 200 with the whole body even when a Range was asked.
        case ignoreRange
    }

    struct Logged { var path: String; var range: String? }

    private let lock = NSLock()
    private var routes: [String: Route] = [:]
    private var faults: [String: [Fault]] = [:]
    private var log: [Logged] = []
    private var stopped = false
    private let fd: Int32
    let port: UInt16

    init(lifetime: TimeInterval = 120) throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard sock >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let b = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard b == 0, listen(sock, 16) == 0 else { close(sock); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = UInt16(bigEndian: addr.sin_port)
        let deadline = Date().addingTimeInterval(lifetime)
        let t = Thread { [self] in acceptLoop(until: deadline) }
        t.start()
    }

    deinit { stop() }

    var base: String { "http://127.0.0.1:\(port)" }
    func url(_ path: String) -> URL { URL(string: base + path)! }

    func serve(_ path: String, _ body: Data, headers: [String: String] = [:]) {
        lock.lock(); routes[path] = Route(status: 200, body: body, headers: headers); lock.unlock()
    }
    func route(_ path: String, _ r: Route) { lock.lock(); routes[path] = r; lock.unlock() }
    /// Faults are used one per request, in order; afterwards the path behaves.
    func inject(_ path: String, _ f: [Fault]) { lock.lock(); faults[path, default: []] += f; lock.unlock() }
    var requests: [Logged] { lock.lock(); defer { lock.unlock() }; return log }

    func stop() {
        lock.lock(); let was = stopped; stopped = true; lock.unlock()
        if !was { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func acceptLoop(until deadline: Date) {
        while !isStopped {
            if Date() > deadline { stop(); return }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) <= 0 { continue }
            let c = accept(fd, nil, nil)
            if c < 0 { continue }
            let t = Thread { [self] in handle(c); close(c) }
            t.start()
        }
    }

    private func handle(_ c: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var req = Data()
        var buf = [UInt8](repeating: 0, count: 4096)
        while req.range(of: Data("\r\n\r\n".utf8)) == nil {
            let n = recv(c, &buf, buf.count, 0)
            if n <= 0 { return }
            req.append(buf, count: n)
            if req.count > 65536 { return }
        }
        let head = String(decoding: req, as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        let path = String(parts[1])
        var range: String?
        for l in lines.dropFirst() where l.lowercased().hasPrefix("range:") {
            range = l.dropFirst(6).trimmingCharacters(in: .whitespaces)
        }
        lock.lock()
        log.append(Logged(path: path, range: range))
        let route = routes[path]
        var fault: Fault?
        if var q = faults[path], !q.isEmpty { fault = q.removeFirst(); faults[path] = q }
        lock.unlock()

        if case let .delay(s)? = fault { Thread.sleep(forTimeInterval: s) }
        if case let .status(code)? = fault { return respond(c, code, [:], Data()) }
        guard var r = route else { return respond(c, 404, [:], Data("not found".utf8)) }
        if r.status != 200 { return respond(c, r.status, r.headers, r.body) }
        if case .wrongBytes? = fault, !r.body.isEmpty {
            for i in stride(from: 0, to: r.body.count, by: 97) { r.body[i] ^= 0x5a }
        }
        var status = 200
        var body = r.body
        var headers = r.headers
        var ignoreRange = false
        if case .ignoreRange? = fault { ignoreRange = true }
        if let range, !ignoreRange, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
            if start >= r.body.count {
                return respond(c, 416, ["Content-Range": "bytes */\(r.body.count)"], Data())
            }
            status = 206
            body = r.body.subdata(in: start..<r.body.count)
            headers["Content-Range"] = "bytes \(start)-\(r.body.count - 1)/\(r.body.count)"
        }
        switch fault {
        case let .dropAfter(n)?: respond(c, status, headers, body, sendOnly: min(n, body.count))
        case let .stallAfter(n, s)?: respond(c, status, headers, body, stallAfter: n, stall: s)
        default: respond(c, status, headers, body)
        }
    }

    private func respond(_ c: Int32, _ status: Int, _ headers: [String: String], _ body: Data,
                         sendOnly: Int? = nil, stallAfter: Int? = nil, stall: TimeInterval = 0) {
        var h = "HTTP/1.1 \(status) \(status == 200 ? "OK" : status == 206 ? "Partial Content" : "Status")\r\n"
        h += "Content-Length: \(body.count)\r\nConnection: close\r\n"
        for (k, v) in headers { h += "\(k): \(v)\r\n" }
        h += "\r\n"
        guard sendAll(c, Data(h.utf8)) else { return }
        let limit = sendOnly ?? body.count
        if let s = stallAfter {
            guard sendAll(c, body.prefix(min(s, limit))) else { return }
            Thread.sleep(forTimeInterval: stall)
            _ = sendAll(c, body.subdata(in: min(s, limit)..<limit))
        } else {
            _ = sendAll(c, body.prefix(limit))
        }
        if sendOnly != nil { shutdown(c, Int32(SHUT_RDWR)) }
    }

    private func sendAll(_ c: Int32, _ d: Data) -> Bool {
        d.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Bool in
            guard var p = b.baseAddress else { return true }
            var n = b.count
            while n > 0 {
                let w = send(c, p, n, Int32(MSG_NOSIGNAL))
                if w <= 0 { return false }
                p += w; n -= w
            }
            return true
        }
    }
}

/// Deterministic pseudo-random bytes (so a wrong offset on resume changes the hash).
func testBytes(_ n: Int, seed: UInt64 = 0x9E3779B97F4A7C15) -> Data {
    var x = seed
    var out = Data(count: n)
    out.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) in
        for i in 0..<n { x ^= x << 13; x ^= x >> 7; x ^= x << 17; b[i] = UInt8(truncatingIfNeeded: x >> 24) }
    }
    return out
}
