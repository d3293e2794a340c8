import XCTest
@testable import Store

/// A two-variant registry like hellaswag's (same path, upstream git blob vs local sha256), plus a
/// rows-only entry and an optional file.
func testRegistry() throws -> Registry {
    let up = "alpha\nbeta\n", local = "alpha\ngamma\n"
    return try Registry.parse(yaml: """
    version: 1
    datasets:
      - name: toy
        title: Toy
        license: MIT
        variants:
          - id: upstream
            kind: upstream
            provenance: the real one
            files:
              - {path: sub/a.txt, url: "http://127.0.0.1:1/a.txt", bytes: \(up.utf8.count), git_blob: \(GitBlob.id(of: Data(up.utf8))), format: text}
          - id: copy
            kind: local
            provenance: a reconstruction
            files:
              - {path: sub/a.txt, bytes: \(local.utf8.count), sha256: \(sha(local)), format: text}
      - name: rowsonly
        title: Rows only
        license: MIT
        variants:
          - id: upstream
            kind: upstream
            provenance: gated
            files:
              - {path: train.jsonl, rows: 2, format: jsonl, first: "hello"}
              - {path: extra.txt, sha256: \(sha("x")), format: text, required: false}
    """)
}

final class DataStoreTests: XCTestCase {
    func testBuiltInRegistryCoversEveryDataSet() throws {
        let r = try Registry.builtIn()
        XCTAssertEqual(Set(r.datasets.map(\.name)),
                       ["alpaca", "lima", "mmlu", "mathqa", "arc_challenge", "openbookqa", "hellaswag", "truthfulqa", "ifeval"])
        let mmlu = try r.dataset("mmlu")
        XCTAssertEqual(mmlu.variants[0].files.count, 173)
        let rows = mmlu.variants[0].files.filter { $0.path.hasPrefix("data/test/") }.compactMap(\.rows).reduce(0, +)
        XCTAssertEqual(rows, 14042)
        XCTAssertEqual(try r.dataset("alpaca").variants[0].files[0].gitBlob, "3779ddbc040543ab1834ef216c983d6fcc06cc9a")
        XCTAssertEqual(try r.dataset("hellaswag").variants.map(\.kind), ["upstream", "local"])
        XCTAssertEqual(try r.dataset("lima").fetchVariant.id, "llamafactory")
    }

    func testRegistryRejectsWeakOrUnsafeEntries() {
        let bad = [
            "{path: ../x, sha256: \(sha("x"))}",
            "{path: /etc/x, sha256: \(sha("x"))}",
            "{path: x}",
            "{path: x, sha256: ABC}",
            "{path: x, rows: 3}",
        ]
        for f in bad {
            let y = "version: 1\ndatasets:\n  - {name: d, title: t, license: l, variants: [{id: u, kind: upstream, provenance: p, files: [\(f)]}]}\n"
            XCTAssertThrowsError(try Registry.parse(yaml: y), f) { XCTAssertTrue($0 is StoreError) }
        }
    }

    func testVariantsAreRecognisedAndReported() throws {
        let dir = try TempDir()
        let store = DataStore(root: dir.url, registry: try testRegistry())
        XCTAssertEqual(try store.status(dataset: "toy").state, .missing)
        XCTAssertThrowsError(try store.verifiedFile(dataset: "toy", path: "sub/a.txt")) { e in
            guard case let StoreError.missing(d, p, remedy) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(d, "toy"); XCTAssertTrue(p.hasSuffix("toy/sub/a.txt")); XCTAssertEqual(remedy.prefix(20), "sftgo data fetch toy")
        }
        _ = try dir.file("toy/sub/a.txt", "alpha\ngamma\n")
        XCTAssertEqual(try store.status(dataset: "toy").state, .verified(variant: "copy"))
        XCTAssertEqual(try store.usedVariant(dataset: "toy").kind, "local")
        XCTAssertEqual(try store.verifiedFile(dataset: "toy", path: "toy/sub/a.txt").path, dir.url.appendingPathComponent("toy/sub/a.txt").path)
        // A fresh store (new process) re-uses the digest cache and still sees a changed file.
        _ = try dir.file("toy/sub/a.txt", "alpha\nbeta\n")
        let store2 = DataStore(root: dir.url, registry: try testRegistry())
        XCTAssertEqual(try store2.status(dataset: "toy").state, .verified(variant: "upstream"))
        _ = try dir.file("toy/sub/a.txt", "alpha\nbetA\n")
        let s = try DataStore(root: dir.url, registry: try testRegistry()).status(dataset: "toy")
        XCTAssertEqual(s.state, .incomplete)
        XCTAssertEqual(s.problems.first?.path, "toy/sub/a.txt")
        XCTAssertTrue(s.problems.first?.problem.contains("git blob") == true, "\(s.problems)")
        XCTAssertThrowsError(try store2.verifiedFile(dataset: "toy", path: "sub/a.txt")) { e in
            guard case StoreError.corrupt = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("sftgo data fetch toy"))
        }
        XCTAssertThrowsError(try store2.verifiedFile(dataset: "toy", path: "sub/b.txt")) { e in
            guard case StoreError.unknownFile = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try store2.verifiedFile(dataset: "nope", path: "x")) { e in
            guard case StoreError.unknownDataset = e else { return XCTFail("\(e)") }
        }
    }

    func testRowsAndFirstRecordCheckAndOptionalFiles() throws {
        let dir = try TempDir()
        let store = DataStore(root: dir.url, registry: try testRegistry())
        _ = try dir.file("rowsonly/train.jsonl", "{\"c\": [\"hello there\"]}\n\n{\"c\": [\"b\"]}\n")
        XCTAssertEqual(try store.status(dataset: "rowsonly").state, .verified(variant: "upstream"))
        _ = try dir.file("rowsonly/extra.txt", "y")
        XCTAssertEqual(try store.status(dataset: "rowsonly").state, .incomplete, "a present optional file must still verify")
        _ = try dir.file("rowsonly/extra.txt", "x")
        _ = try dir.file("rowsonly/train.jsonl", "{\"c\": [\"bye\"]}\n{\"c\": [\"b\"]}\n")
        XCTAssertTrue(try store.status(dataset: "rowsonly").problems[0].problem.contains("first record"))
        _ = try dir.file("rowsonly/train.jsonl", "{\"c\": [\"hello\"]}\n")
        XCTAssertTrue(try store.status(dataset: "rowsonly").problems[0].problem.contains("1 jsonl rows, expected 2"))
    }

    func testCSVRowCounterHandlesQuotedNewlines() {
        let csv = "h1,h2\n\"a\nb\",c\r\n\"x \"\"q\"\"\",y\nlast,row"
        let (n, first) = RowCounter.csvRecords(Data(csv.utf8), skipHeader: true)
        XCTAssertEqual(n, 3)
        // A quote inside an unquoted field is an ordinary character (as in Python's csv and MMLU's files).
        let stray = "a 5\" pipe,b\nc,d\n\"e\",f\n"
        XCTAssertEqual(RowCounter.csvRecords(Data(stray.utf8), skipHeader: false).0, 3)
        XCTAssertEqual(first, "\"a\nb\",c\r")
    }
}

final class DataStoreConcurrencyTests: XCTestCase {
    /// The evaluator may ask for files from several threads at once.
    func testVerifiedFileFromManyThreads() throws {
        let dir = try TempDir()
        let local = "alpha\ngamma\n"
        _ = try dir.file("toy/sub/a.txt", local)
        let store = DataStore(root: dir.url, registry: try testRegistry())
        let failures = NSLock()
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            do {
                if i % 2 == 0 { _ = try store.verifiedFile(dataset: "toy", path: "sub/a.txt") }
                else { _ = try store.status(dataset: "toy") }
            } catch { failures.lock(); errors.append("\(error)"); failures.unlock() }
        }
        XCTAssertEqual(errors, [])
        XCTAssertEqual(try store.usedVariant(dataset: "toy").id, "copy")
    }
}

/// The shipped registry against the real copies in ../shared/data (skipped where that folder is absent):
/// every set there must verify, with the variant SOURCE.md describes.
final class SharedDataRegistryTests: XCTestCase {
    func testSharedDataVerifiesAgainstTheRegistry() throws {
        let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
        guard FileManager.default.fileExists(atPath: shared.path) else { throw XCTSkip("no ../shared/data here") }
        let registry = try Registry.builtIn()
        #if DEBUG
        // Debug builds hash slowly: check the files under 1 MB here (SFTGO_TEST_ALL_SHARED=1: all); release checks all.
        let limit: Int64 = ProcessInfo.processInfo.environment["SFTGO_TEST_ALL_SHARED"] == "1" ? .max : 1 << 20
        #else
        let limit: Int64 = .max
        #endif
        let expectedVariant = ["lima": "llamafactory", "hellaswag": "olmo-reconstruction"]
        var checked = 0
        for d in registry.datasets where d.name != "alpaca" {
            let v = d.variants.first { $0.id == (expectedVariant[d.name] ?? "upstream") }!
            for f in v.files where (f.bytes ?? 0) <= limit {
                let url = shared.appendingPathComponent(d.name).appendingPathComponent(f.path)
                let digest = try FileDigest.of(url)
                if let s = f.sha256 { XCTAssertEqual(digest.sha256, s, "\(d.name)/\(f.path)") }
                if let g = f.gitBlob { XCTAssertEqual(digest.gitBlob, g, "\(d.name)/\(f.path)") }
                XCTAssertEqual(digest.bytes, f.bytes ?? digest.bytes, "\(d.name)/\(f.path)")
                if let rows = f.rows, let format = f.format {
                    XCTAssertEqual(try RowCounter.count(url, format: format).rows, rows, "\(d.name)/\(f.path)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 190)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shared.appendingPathComponent("alpaca").path))
    }
}
