import XCTest
@testable import Store

/// Downloads against the loopback server: resume after dropped connections, wrong bytes, 404,
/// slow and stalled responses, a server that ignores Range.
final class DownloaderTests: XCTestCase {
    var server: LoopbackServer!
    var dir: TempDir!
    let body = testBytes(300_000)

    override func setUpWithError() throws {
        server = try LoopbackServer()
        dir = try TempDir()
        server.serve("/f.bin", body)
    }
    override func tearDown() { server.stop(); server = nil; dir = nil }

    func fast(retries: Int = 4, timeout: TimeInterval = 5) -> Downloader {
        var o = DownloadOptions()
        o.retries = retries; o.backoff = 0.05; o.idleTimeout = timeout
        return Downloader(options: o)
    }
    var dest: URL { dir.url.appendingPathComponent("out/f.bin") }
    var part: URL { dir.url.appendingPathComponent("out/f.bin.part") }
    var expect: Expectation { Expectation(bytes: Int64(body.count), sha256: SHA256.hex(of: body)) }

    func testResumesAfterDroppedConnections() throws {
        server.inject("/f.bin", [.dropAfter(100_000), .dropAfter(50_000)])
        let r = try fast().download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
        XCTAssertEqual(r.attempts, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: part.path))
        let ranges = server.requests.map(\.range)
        XCTAssertEqual(ranges, [nil, "bytes=100000-", "bytes=150000-"])
    }

    func testResumesAPartFileLeftByAnEarlierRun() throws {
        try FileManager.default.createDirectory(at: part.deletingLastPathComponent(), withIntermediateDirectories: true)
        try body.prefix(123_456).write(to: part)
        _ = try fast().download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
        XCTAssertEqual(server.requests.map(\.range), ["bytes=123456-"])
    }

    func testServerIgnoringRangeStartsOver() throws {
        try FileManager.default.createDirectory(at: part.deletingLastPathComponent(), withIntermediateDirectories: true)
        try body.prefix(1000).write(to: part)
        server.inject("/f.bin", [.ignoreRange])
        _ = try fast().download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
    }

    func testWrongBytesAreNeverPlaced() throws {
        server.inject("/f.bin", [.wrongBytes, .wrongBytes])
        XCTAssertThrowsError(try fast().download(server.url("/f.bin"), to: dest, expect: expect)) { e in
            guard case StoreError.checksum = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: part.path))
    }

    func testWrongBytesOnceThenGoodBytes() throws {
        server.inject("/f.bin", [.wrongBytes])
        _ = try fast().download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
        XCTAssertEqual(server.requests.count, 2)
    }

    func testNotFoundIsNotRetried() throws {
        XCTAssertThrowsError(try fast().download(server.url("/nope"), to: dest, expect: expect)) { e in
            XCTAssertEqual(e as? StoreError, .http(url: server.url("/nope").absoluteString, status: 404))
        }
        XCTAssertEqual(server.requests.count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest.path))
    }

    func testServerErrorsAreRetriedWithBackoff() throws {
        server.inject("/f.bin", [.status(503), .status(500)])
        let r = try fast().download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(r.attempts, 3)
    }

    func testSlowButSteadyResponseSucceeds() throws {
        server.inject("/f.bin", [.delay(1.0)])
        _ = try fast(timeout: 5).download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
    }

    func testStalledTransferTimesOutAndResumes() throws {
        server.inject("/f.bin", [.stallAfter(70_000, seconds: 4)])
        _ = try fast(timeout: 1).download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
        XCTAssertEqual(server.requests.last?.range, "bytes=70000-")
    }

    func testGivingUpKeepsThePartForTheNextRun() throws {
        server.inject("/f.bin", [.dropAfter(10_000), .dropAfter(10_000)])
        XCTAssertThrowsError(try fast(retries: 1).download(server.url("/f.bin"), to: dest, expect: expect)) { e in
            guard case StoreError.network = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest.path))
        XCTAssertEqual(try Data(contentsOf: part).count, 20_000)
        _ = try fast().download(server.url("/f.bin"), to: dest, expect: expect)
        XCTAssertEqual(try Data(contentsOf: dest), body)
    }
}

/// `DataStore.fetch` against a registry whose URLs point at the loopback server.
final class FetchTests: XCTestCase {
    func registry(_ base: String, _ a: Data, _ tarSHA: String?) throws -> Registry {
        try Registry.parse(yaml: """
        version: 1
        datasets:
          - name: plain
            title: t
            license: l
            variants:
              - id: upstream
                kind: upstream
                provenance: p
                files:
                  - {path: dir/a.jsonl, url: "\(base)/a.jsonl", bytes: \(a.count), git_blob: \(GitBlob.id(of: a)), rows: 2, format: jsonl}
                  - {path: opt.txt, url: "\(base)/missing.txt", sha256: \(sha("o")), format: text, required: false}
          - name: packed
            title: t
            license: l
            variants:
              - id: upstream
                kind: upstream
                provenance: p
                archive: {url: "\(base)/data.tar.gz", format: tar\(tarSHA.map { ", sha256: \($0)" } ?? "")}
                files:
                  - {path: data/test/x_test.csv, sha256: \(sha("q,a,b,c,d,A\n")), rows: 1, format: csv-noheader}
                  - {path: data/dev/x_dev.csv, sha256: \(sha("q2,a,b,c,d,B\n")), rows: 1, format: csv-noheader}
        """)
    }

    func testFetchPlainFilesAndArchive() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let dir = try TempDir()
        let a = Data("{\"x\": 1}\n{\"x\": 2}\n".utf8)
        server.serve("/a.jsonl", a)
        server.inject("/a.jsonl", [.dropAfter(5)])
        let src = try TempDir()
        _ = try src.file("data/test/x_test.csv", "q,a,b,c,d,A\n")
        _ = try src.file("data/dev/x_dev.csv", "q2,a,b,c,d,B\n")
        try shell("tar", "-czf", src.url.appendingPathComponent("data.tar.gz").path, "-C", src.url.path, "data")
        let tgz = try Data(contentsOf: src.url.appendingPathComponent("data.tar.gz"))
        server.serve("/data.tar.gz", tgz)

        var o = DownloadOptions(); o.backoff = 0.05
        let dl = Downloader(options: o)
        let store = DataStore(root: dir.url.appendingPathComponent("data"), registry: try registry(server.base, a, SHA256.hex(of: tgz)))
        let r = try store.fetch("plain", downloader: dl)
        XCTAssertEqual(r.downloaded, ["dir/a.jsonl"])
        XCTAssertEqual(r.warnings.count, 1, "optional file that 404s is a warning")
        XCTAssertEqual(try store.status(dataset: "plain").state, .verified(variant: "upstream"))
        XCTAssertEqual(try store.fetch("plain", downloader: dl).alreadyPresent, ["dir/a.jsonl"])

        let p = try store.fetch("packed", downloader: dl)
        XCTAssertEqual(Set(p.downloaded), ["data/test/x_test.csv", "data/dev/x_dev.csv"])
        XCTAssertEqual(try store.status(dataset: "packed").state, .verified(variant: "upstream"))
        XCTAssertEqual(try String(contentsOf: store.verifiedFile(dataset: "packed", path: "data/dev/x_dev.csv"), encoding: .utf8), "q2,a,b,c,d,B\n")
        // Downloaded archive and staging are gone.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: store.root.appendingPathComponent(".sftgo").path)
            .filter { $0.contains("downloads/") || $0.contains("staging") }
        XCTAssertEqual(leftovers, [])
    }

    func testFetchRefusesAnArchiveWithWrongChecksum() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let dir = try TempDir()
        server.serve("/data.tar.gz", Data("not the archive".utf8))
        var o = DownloadOptions(); o.backoff = 0.05
        let store = DataStore(root: dir.url, registry: try registry(server.base, Data(), String(repeating: "0", count: 64)))
        XCTAssertThrowsError(try store.fetch("packed", downloader: Downloader(options: o))) { e in
            guard case StoreError.checksum = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("packed").path))
    }
}

/// `HubClient.fetchModel` against a fake hub: tree API hashes, and the fallback through
/// model.safetensors.index.json with X-Linked-ETag on a redirect.
final class HubClientTests: XCTestCase {
    let config = Data("{\"model_type\": \"llama\"}".utf8)
    let tok = Data("{\"version\": \"1.0\"}".utf8)
    let shard1 = testBytes(200_000, seed: 1), shard2 = testBytes(150_000, seed: 2)

    func client(_ server: LoopbackServer) -> HubClient {
        var o = DownloadOptions(); o.backoff = 0.05; o.retries = 3
        return HubClient(endpoint: URL(string: server.base)!, downloader: Downloader(options: o))
    }

    func testTreeAPIHashesVerifyEveryFile() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let rev = "main"
        let tree: [[String: Any]] = [
            ["type": "file", "path": "config.json", "size": config.count, "oid": GitBlob.id(of: config)],
            ["type": "file", "path": "tokenizer.json", "size": tok.count, "oid": GitBlob.id(of: tok)],
            ["type": "file", "path": "README.md", "size": 3, "oid": GitBlob.id(of: Data("abc".utf8))],
            ["type": "directory", "path": "onnx", "size": 0, "oid": "x"],
            ["type": "file", "path": "model.safetensors", "size": shard1.count, "oid": "ignored",
             "lfs": ["oid": SHA256.hex(of: shard1), "size": shard1.count, "pointerSize": 134]],
        ]
        server.serve("/api/models/org/tiny/tree/\(rev)", try JSONSerialization.data(withJSONObject: tree))
        server.serve("/org/tiny/resolve/main/config.json", config)
        server.serve("/org/tiny/resolve/main/tokenizer.json", tok)
        server.serve("/org/tiny/resolve/main/model.safetensors", shard1)
        server.inject("/org/tiny/resolve/main/model.safetensors", [.dropAfter(64_000)])
        let out = try TempDir()
        let r = try client(server).fetchModel("org/tiny", output: out.url)
        XCTAssertTrue(r.usedTreeAPI)
        XCTAssertEqual(Set(r.files.map(\.path)), ["config.json", "tokenizer.json", "model.safetensors"])
        XCTAssertEqual(try Data(contentsOf: out.url.appendingPathComponent("model.safetensors")), shard1)
        XCTAssertTrue(r.files.first { $0.path == "model.safetensors" }!.check.hasPrefix("sha256"))
        // Second run: everything present and verified, nothing downloaded.
        let again = try client(server).fetchModel("org/tiny", output: out.url)
        XCTAssertEqual(again.files.filter(\.downloaded).count, 0)
        // Tampered LFS bytes on the hub are refused and not placed.
        try FileManager.default.removeItem(at: out.url.appendingPathComponent("model.safetensors"))
        server.inject("/org/tiny/resolve/main/model.safetensors", [.wrongBytes, .wrongBytes])
        XCTAssertThrowsError(try client(server).fetchModel("org/tiny", output: out.url)) { e in
            guard case StoreError.checksum = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.url.appendingPathComponent("model.safetensors").path))
    }

    func testShardedModelWithoutTreeAPIUsesLinkedETag() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let index = try JSONSerialization.data(withJSONObject: ["weight_map": ["a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"]])
        let base = "/org/big/resolve/v1.0"
        server.serve("\(base)/config.json", config)
        server.serve("\(base)/tokenizer.json", tok)
        server.serve("\(base)/tokenizer_config.json", Data("{}".utf8))
        server.serve("\(base)/model.safetensors.index.json", index)
        for (i, s) in [shard1, shard2].enumerated() {
            let name = "model-0000\(i + 1)-of-00002.safetensors"
            // The hub redirects LFS files to a CDN; the sha256 travels in X-Linked-ETag on the redirect.
            server.route("\(base)/\(name)", .init(status: 302, body: Data(),
                headers: ["Location": "\(server.base)/cdn/\(name)", "X-Linked-ETag": "\"\(SHA256.hex(of: s))\""]))
            server.serve("/cdn/\(name)", s)
        }
        server.inject("/cdn/model-00002-of-00002.safetensors", [.wrongBytes])
        let out = try TempDir()
        let r = try client(server).fetchModel("org/big", revision: "v1.0", output: out.url)
        XCTAssertFalse(r.usedTreeAPI)
        XCTAssertEqual(try Data(contentsOf: out.url.appendingPathComponent("model-00002-of-00002.safetensors")), shard2)
        XCTAssertTrue(r.files.first { $0.path == "model-00001-of-00002.safetensors" }!.check.contains("X-Linked-ETag"))
    }

    func testMissingModelIs404() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let out = try TempDir()
        XCTAssertThrowsError(try client(server).fetchModel("org/none", output: out.url)) { e in
            guard case StoreError.http(_, 404) = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try client(server).fetchModel("../etc", output: out.url))
    }
}
