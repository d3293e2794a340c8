import XCTest
import Foundation
@testable import Grouping

final class MaskCacheTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-masks-\(getpid())-\(name.hashValue)")
        try? FileManager.default.removeItem(at: root)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    let examples = [example(0, [5, 5, 6, 9]), example(1, [7, 5]), example(2, [8])]
    func identity(eta: Double = 0.5, tokenizer: String = "tok") -> MaskIdentity {
        MaskIdentity(dataSHA256: "data", tokenizer: tokenizer, method: "tfidf", settings: ["units": "ids", "norm": "l2"],
                     eta: eta, scope: .sequence, batchSize: 64, modelHash: "none")
    }

    func testWriteReadAndContractFormat() throws {
        let set = try MaskBuilder.build(TFIDF(), examples: examples, identity: identity())
        let dir = root.appendingPathComponent("m")
        try set.write(to: dir)
        XCTAssertEqual(try MaskSet.read(from: dir, expecting: identity()), set)
        // CONTRACT.md: one line per example, {"index", "ids", "scores", "important"} in loss-token order.
        let lines = try String(contentsOf: dir.appendingPathComponent("masks.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let o = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(o["index"] as? Int, 0)
        XCTAssertEqual(o["ids"] as? [Int], [5, 5, 6, 9])
        XCTAssertEqual(o["important"] as? [Int], set.rows[0].important.map { $0 ? 1 : 0 })
        XCTAssert(lines[0].contains("\"scores\": [" + set.rows[0].scores.map { "\($0)" }.joined(separator: ", ") + "]"))
        let m = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as! [String: Any]
        for k in ["data_sha256", "tokenizer", "method", "eta", "scope", "model", "masks_sha256", "settings"] { XCTAssertNotNil(m[k], k) }
        XCTAssertEqual(m["loss_tokens"] as? Int, 7)
    }

    func testBuiltOnceThenCached() throws {
        let cache = MaskCache(root: root)
        var builds = 0
        let build = { () throws -> MaskSet in builds += 1; return try MaskBuilder.build(TFIDF(), examples: self.examples, identity: self.identity()) }
        let (a, c1) = try cache.masks(identity(), build: build)
        let (b, c2) = try cache.masks(identity(), build: build)
        XCTAssertEqual(builds, 1); XCTAssertFalse(c1); XCTAssertTrue(c2); XCTAssertEqual(a, b)
        // A different η is a different identity: a different folder, built anew.
        XCTAssertNotEqual(identity().key, identity(eta: 0.9).key)
        XCTAssertNil(try cache.lookup(identity(eta: 0.9)))
    }

    func testMismatchedOrStaleCacheIsRefused() throws {
        let dir = root.appendingPathComponent("m")
        try MaskBuilder.build(TFIDF(), examples: examples, identity: identity()).write(to: dir)
        XCTAssertThrowsError(try MaskSet.read(from: dir, expecting: identity(eta: 0.9))) {
            XCTAssertEqual($0 as? GroupingError, .cacheMismatch(path: dir.appendingPathComponent("manifest.json").path,
                                                               field: "eta", cached: "0.5", expected: "0.9"))
        }
        XCTAssertThrowsError(try MaskSet.read(from: dir, expecting: identity(tokenizer: "other"))) {
            guard case .cacheMismatch(_, "tokenizer", _, _)? = $0 as? GroupingError else { return XCTFail("\($0)") }
        }
        // Masks edited after the manifest was written: stale.
        let j = dir.appendingPathComponent("masks.jsonl")
        var text = try String(contentsOf: j, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"important\": [1", with: "\"important\": [0")
        try text.write(to: j, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MaskSet.read(from: dir)) {
            guard case .cacheMismatch(_, "masks_sha256", _, _)? = $0 as? GroupingError else { return XCTFail("\($0)") }
        }
    }

    /// Masks built with another tokenizer (other loss-token ids) are refused, naming example and token.
    func testTokenizerMismatchNamesExampleAndToken() throws {
        let set = try MaskBuilder.build(TFIDF(), examples: examples, identity: identity())
        XCTAssertNoThrow(try set.verify(against: examples, path: "m"))
        let retokenised = [examples[0], example(1, [7, 6]), examples[2]]
        XCTAssertThrowsError(try set.verify(against: retokenised, path: "m")) { err in
            guard case let .cacheMismatch(_, field, cached, expected)? = err as? GroupingError else { return XCTFail("\(err)") }
            XCTAssertEqual(field, "loss token 1 of example 1")
            XCTAssertEqual(cached, "id 5 of 2 tokens")
            XCTAssert(expected.hasPrefix("id 6 of 2 tokens"), expected)
        }
    }
}
