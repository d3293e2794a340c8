import XCTest
@testable import Store

/// SHA-256 / SHA-1 against the NIST FIPS 180 example vectors, and against sha256sum / git on files.
final class SHA256Tests: XCTestCase {
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Data()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: Data("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8)),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(SHA1.hex(of: Data("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(SHA1.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    /// Feeding bytes in odd-sized pieces gives the same digest as one call (block-boundary handling).
    func testStreamingSplitsAgree() {
        var bytes = [UInt8](repeating: 0, count: 1000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 7919 &+ 13) }
        let whole = SHA256.hex(of: Data(bytes))
        for step in [1, 3, 63, 64, 65, 127, 500] {
            var s = SHA256()
            var i = 0
            while i < bytes.count {
                let j = min(i + step, bytes.count)
                bytes[i..<j].withUnsafeBytes { s.update($0) }
                i = j
            }
            XCTAssertEqual(hexString(s.finalize()), whole, "step \(step)")
        }
        // Padding edge cases: lengths around 55/56/64 bytes, compared with sha256sum.
        for n in [55, 56, 57, 63, 64, 65, 119, 120] {
            let d = Data(bytes[0..<n])
            XCTAssertEqual(SHA256.hex(of: d), try shell("sha256sum", input: d).prefix(64).description, "n=\(n)")
        }
    }

    /// SHA-1 shares the block buffering and padding: split feeds and lengths around a block against sha1sum.
    func testSHA1StreamingAndPaddingAgainstSha1sum() throws {
        var bytes = [UInt8](repeating: 0, count: 300)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        for n in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 300] {
            let d = Data(bytes[0..<n])
            let expected = try shell("sha1sum", input: d).prefix(40).description
            XCTAssertEqual(SHA1.hex(of: d), expected, "n=\(n)")
            for step in [1, 7, 64, 65] {
                var s = SHA1()
                var i = 0
                while i < n {
                    let j = min(i + step, n)
                    bytes[i..<j].withUnsafeBytes { s.update($0) }
                    i = j
                }
                XCTAssertEqual(hexString(s.finalize()), expected, "n=\(n) step \(step)")
            }
        }
    }

    /// A 12 MB file (several read chunks, not a multiple of 64) against sha256sum and git hash-object.
    func testLargeFileAgainstSha256sumAndGit() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("big.bin")
        var words = [UInt64](repeating: 0, count: 12_000_017 / 8 + 1)
        var x: UInt64 = 88172645463325252
        for i in words.indices { x ^= x << 13; x ^= x >> 7; x ^= x << 17; words[i] = x }
        try words.withUnsafeBytes { Data($0.prefix(12_000_017)) }.write(to: url)
        let expected = try shell("sha256sum", url.path).prefix(64).description
        XCTAssertEqual(try SHA256.hex(ofFile: url), expected)
        let d = try FileDigest.of(url)
        XCTAssertEqual(d.sha256, expected)
        XCTAssertEqual(d.bytes, 12_000_017)
        XCTAssertEqual(d.gitBlob, try shell("git", "hash-object", url.path).prefix(40).description)
    }

    func testGitBlobOfSmallData() throws {
        // `printf 'hello\n' | git hash-object --stdin`
        XCTAssertEqual(GitBlob.id(of: Data("hello\n".utf8)), "ce013625030ba8dba906f756967f9e9ca394464a")
        XCTAssertEqual(GitBlob.id(of: Data()), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")  // git's empty blob
    }

    func testMissingFileIsTypedError() {
        XCTAssertThrowsError(try SHA256.hex(ofFile: URL(fileURLWithPath: "/nonexistent/x"))) { e in
            guard case StoreError.io(let p, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(p, "/nonexistent/x")
        }
    }
}
