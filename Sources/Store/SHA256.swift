import Foundation

/// The compression function of a Merkle–Damgård hash over 64-byte blocks with a big-endian
/// 64-bit length in its padding (SHA-1, SHA-256); `MerkleDamgard` does the buffering around it.
protocol BlockCompression {
    init()
    /// Folds one 64-byte block starting at `p` into the state.
    mutating func compress(_ p: UnsafePointer<UInt8>)
    /// The state as the big-endian digest bytes.
    var digest: [UInt8] { get }
}

/// Streaming shared by SHA-1 and SHA-256: input is cut into 64-byte blocks (a partial block is
/// buffered between updates) and finished with 0x80, zeros and the bit length (FIPS 180-4 §5.1.1).
struct MerkleDamgard<C: BlockCompression> {
    private var state = C()
    private var block = [UInt8](repeating: 0, count: 64)
    private var blockFill = 0
    private var totalBytes: UInt64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var n = bytes.count
        totalBytes &+= UInt64(n)
        if blockFill > 0 {
            let take = min(64 - blockFill, n)
            block.withUnsafeMutableBufferPointer { b in
                for i in 0..<take { b[blockFill + i] = p[i] }
            }
            blockFill += take; p += take; n -= take
            if blockFill == 64 {
                block.withUnsafeBufferPointer { state.compress($0.baseAddress!) }
                blockFill = 0
            }
        }
        while n >= 64 { state.compress(p); p += 64; n -= 64 }
        if n > 0 {
            block.withUnsafeMutableBufferPointer { b in for i in 0..<n { b[i] = p[i] } }
            blockFill = n
        }
    }

    /// Pads, finishes and returns the digest.
    mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        var pad: [UInt8] = [0x80]
        let fillAfter = (blockFill + 1) % 64
        pad += [UInt8](repeating: 0, count: (56 - fillAfter + 64) % 64)
        for i in (0..<8).reversed() { pad.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        let saved = totalBytes
        pad.withUnsafeBytes { update($0) }
        totalBytes = saved
        return state.digest
    }
}

/// Big-endian bytes of 32-bit state words.
private func bigEndianBytes(_ words: [UInt32]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(4 * words.count)
    for v in words {
        out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
    return out
}

/// Loads the 16 big-endian message words of the block at `p` into `w[0..<16]`.
@inline(__always)
private func loadWords(_ p: UnsafePointer<UInt8>, into w: UnsafeMutableBufferPointer<UInt32>) {
    for i in 0..<16 {
        w[i] = UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8 | UInt32(p[4 * i + 3])
    }
}

/// FIPS 180-4 SHA-256, streaming. Used for every identity check of data and model files.
public struct SHA256 {
    private var stream = MerkleDamgard<Compression>()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { stream.update(bytes) }
    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// Pads, finishes and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] { stream.finalize() }

    public static func hex(of data: Data) -> String {
        var s = SHA256(); s.update(data); return hexString(s.finalize())
    }

    /// Streams the file in 1 MiB reads; never loads it whole.
    public static func hex(ofFile url: URL) throws -> String {
        var s = SHA256()
        try FileDigest.stream(url) { s.update($0) }
        return hexString(s.finalize())
    }

    struct Compression: BlockCompression {
        private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
        private var w = [UInt32](repeating: 0, count: 64)

        init() {}

        private static let k: [UInt32] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        ]

        @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

        mutating func compress(_ p: UnsafePointer<UInt8>) {
            w.withUnsafeMutableBufferPointer { w in
                loadWords(p, into: w)
                for i in 16..<64 {
                    let s0 = Self.rotr(w[i - 15], 7) ^ Self.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                    let s1 = Self.rotr(w[i - 2], 17) ^ Self.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                    w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, hh) = h
                Self.k.withUnsafeBufferPointer { k in
                    for i in 0..<64 {
                        let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                        let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                }
                h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
            }
        }

        var digest: [UInt8] { bigEndianBytes([h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7]) }
    }
}

/// SHA-1, streaming. Only used to compute git blob ids (`git hash-object`), the identity that
/// upstream repositories and the Hugging Face hub publish for non-LFS files.
public struct SHA1 {
    private var stream = MerkleDamgard<Compression>()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { stream.update(bytes) }
    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// Pads, finishes and returns the 20-byte digest.
    public mutating func finalize() -> [UInt8] { stream.finalize() }

    public static func hex(of data: Data) -> String {
        var s = SHA1(); s.update(data); return hexString(s.finalize())
    }

    struct Compression: BlockCompression {
        private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)
        private var w = [UInt32](repeating: 0, count: 80)

        init() {}

        @inline(__always) private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 &- n)) }

        mutating func compress(_ p: UnsafePointer<UInt8>) {
            w.withUnsafeMutableBufferPointer { w in
                loadWords(p, into: w)
                for i in 16..<80 { w[i] = Self.rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
                var (a, b, c, d, e) = h
                for i in 0..<80 {
                    let f: UInt32, k: UInt32
                    switch i {
                    case 0..<20: f = (b & c) | (~b & d); k = 0x5A827999
                    case 20..<40: f = b ^ c ^ d; k = 0x6ED9EBA1
                    case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC
                    default: f = b ^ c ^ d; k = 0xCA62C1D6
                    }
                    let t = Self.rotl(a, 5) &+ f &+ e &+ k &+ w[i]
                    e = d; d = c; c = Self.rotl(b, 30); b = a; a = t
                }
                h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
            }
        }

        var digest: [UInt8] { bigEndianBytes([h.0, h.1, h.2, h.3, h.4]) }
    }
}

/// Git's object id of a file's bytes: sha1("blob <size>\0" + content), as `git hash-object` prints it.
public enum GitBlob {
    public static func id(of data: Data) -> String {
        var s = SHA1()
        s.update(Data("blob \(data.count)\0".utf8))
        s.update(data)
        return hexString(s.finalize())
    }
}

/// One pass over a file that yields both identities the registry may name.
public struct FileDigest: Equatable, Codable {
    public var bytes: Int64
    public var sha256: String
    public var gitBlob: String

    public static func of(_ url: URL) throws -> FileDigest {
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber
        let n = size?.int64Value ?? 0
        var s256 = SHA256(), s1 = SHA1()
        s1.update(Data("blob \(n)\0".utf8))
        var seen: Int64 = 0
        try stream(url) { chunk in s256.update(chunk); s1.update(chunk); seen += Int64(chunk.count) }
        guard seen == n else { throw StoreError.io(path: url.path, reason: "file changed while it was read") }
        return FileDigest(bytes: n, sha256: hexString(s256.finalize()), gitBlob: hexString(s1.finalize()))
    }

    /// Reads `url` in 1 MiB chunks.
    static func stream(_ url: URL, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw StoreError.io(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let cap = 1 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let r = read(fd, buf, cap)
            if r < 0 {
                if errno == EINTR { continue }
                throw StoreError.io(path: url.path, reason: String(cString: strerror(errno)))
            }
            if r == 0 { break }
            body(UnsafeRawBufferPointer(start: buf, count: r))
        }
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](); out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
