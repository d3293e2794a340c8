import XCTest
import Foundation
import Models
import Tokenizers
import Training
@testable import Grouping

final class ControlGroupingTests: XCTestCase {
    func testRandomIsDeterministicPerSeedAndIndependentOfOtherExamples() throws {
        let ex = (0..<5).map { example($0 * 3, Array(repeating: 4, count: 10 + $0)) }
        let a = try RandomGroups(seed: 42).checkedScores(ex)
        XCTAssertEqual(a, try RandomGroups(seed: 42).checkedScores(ex))
        XCTAssertNotEqual(a, try RandomGroups(seed: 43).checkedScores(ex))
        // An example's scores do not depend on which other examples are scored.
        XCTAssertEqual(try RandomGroups(seed: 42).checkedScores([ex[3]])[0], a[3])
        let flat = a.flatMap { $0 }
        XCTAssert(flat.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Set(flat).count, flat.count, "32-bit draws: no ties expected among 60 tokens")
        // η = 0.9 per sequence keeps about the top 10% of each example.
        let m = try Selector.important(a, eta: 0.9, scope: .sequence)
        XCTAssertEqual(m.map { $0.filter { $0 }.count }, [1, 2, 2, 2, 2])
    }

    /// Rarer ids score higher: −ln(count/total) over all loss tokens.
    func testFrequencyHandComputed() throws {
        let ex = [example(0, [5, 5, 6]), example(1, [5, 7])]
        let s = try Frequency().checkedScores(ex)
        XCTAssertEqual(s[0][0], log(5.0) - log(3.0), accuracy: 1e-15)
        XCTAssertEqual(s[0][2], log(5.0), accuracy: 1e-15)
        XCTAssertEqual(s[1][1], log(5.0), accuracy: 1e-15)
        XCTAssertEqual(try Selector.important(s[1], eta: 0.5), [false, true])
    }

    /// Grouping sees exactly the trainer's loss tokens, each with the text it spells.
    func testTrainerExamplesKeepLossTokensAndOffsets() throws {
        let tok = try ModelFolder(directory: try smolLM2Directory()).tokenizer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-group-data-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tiny_alpaca.json")
        try Data(#"[{"instruction": "Hi there", "input": "", "output": "Hello, friend.", "history": []}, {"instruction": "And?", "input": "x", "output": "Bye", "history": [["Q", "A b"]]}]"#.utf8).write(to: file)
        let (dataset, ex) = try GroupingData.load(file, tokenizer: tok)
        XCTAssertEqual(ex.map { $0.lossIds }, dataset.examples.map { $0.lossTokenIds })
        XCTAssertEqual(tok.decode(ex[0].lossIds), "Hello, friend.<|im_end|>")
        XCTAssertEqual(tok.decode(ex[1].lossIds), "A b<|im_end|>Bye<|im_end|>")
        for e in ex {
            let scalars = Array(e.text!.unicodeScalars)
            let pieces = e.lossOffsets!.map { r in String(String.UnicodeScalarView(scalars[r])) }
            XCTAssertEqual(pieces.joined(), tok.decode(e.lossIds).replacingOccurrences(of: "<|im_end|>", with: ""),
                           "special tokens cover no text")
        }
        // Word units on these examples: "b" is one letter (no word), so its token scores 0.
        let s = try TFIDF(units: .words).checkedScores(ex)
        XCTAssertEqual(s[1].count, ex[1].lossCount)
        // The trainer reads our JSONL (CONTRACT.md) and gets the same masks; another tokenisation is refused.
        let identity = MaskIdentity(dataSHA256: "d", tokenizer: "t", method: "tfidf", settings: [:], eta: 0.5,
                                    scope: .sequence, batchSize: 0, modelHash: "none")
        let set = try MaskBuilder.build(TFIDF(), examples: ex, identity: identity)
        let jsonl = dir.appendingPathComponent("masks.jsonl")
        try Data(try set.jsonl().utf8).write(to: jsonl)
        guard case .precomputed(let m) = try ImportantMasks.read(jsonl, dataset: dataset) else { return XCTFail("not read as a mask file") }
        XCTAssertEqual(m[0], set.rows[0].important)
        XCTAssertEqual(m[1], set.rows[1].important)
        var other = dataset
        other.examples[1].ids[other.examples[1].lossMask.lastIndex(of: true)!] += 1
        XCTAssertThrowsError(try ImportantMasks.read(jsonl, dataset: other))
    }
}
