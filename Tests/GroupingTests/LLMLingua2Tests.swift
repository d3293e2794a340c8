import Foundation
import Models
import XCTest
@testable import Grouping
import Tokenizers

/// LLMLingua-2 word probabilities against llmlingua 0.2.2's own functions
/// (scripts/reference/llmlingua2_goldens.py, tiny random BERT and XLM-RoBERTa token classifiers).
final class LLMLingua2Tests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = root.appendingPathComponent("Tests/Fixtures/models/tiny-bert-tokcls")
    /// XLM-R classifier with a small Unigram tokenizer carrying XLM-R's real charsmap (make_tiny_xlmr_lingua.py).
    static let tinyXLMR = root.appendingPathComponent("Tests/Fixtures/models/tiny-xlmr-lingua")
    static let lima = root.appendingPathComponent("../shared/data/lima/lima_llamafactory_converted.json").standardizedFileURL

    func testWordProbabilitiesEqualLLMLinguaOnLIMA() throws { try checkGoldens(Self.tiny) }

    /// The XLM-R path: Unigram tokenizer, "▁"/punctuation word starts, "[CLS]"/"[SEP]" read as <unk>.
    func testXLMRobertaWordProbabilitiesEqualLLMLinguaOnLIMA() throws {
        let m = try LLMLingua2(directory: Self.tinyXLMR)
        XCTAssertEqual(m.tokenizer.modelType, "Unigram")
        XCTAssertEqual([m.cls, m.sep], [3, 3], "llmlingua 0.2.2's literal [CLS]/[SEP] are <unk> for XLM-R")
        m.boundaryTokens = .model
        XCTAssertEqual([m.cls, m.sep], [0, 2])
        XCTAssertEqual(m.settings["word_rule"], "sentencepiece-start-or-punctuation")
        try checkGoldens(Self.tinyXLMR)
    }

    func testXLMRWordRule() throws {
        let m = try LLMLingua2(directory: Self.tinyXLMR)
        XCTAssertTrue(m.startsWord("\u{2581}the"))
        XCTAssertTrue(m.startsWord(","))
        XCTAssertTrue(m.startsWord("()"), "a substring of string.punctuation, as `in` tests it")
        XCTAssertFalse(m.startsWord(")."))
        XCTAssertFalse(m.startsWord("ing"))
        XCTAssertEqual(LLMLingua2.wordText(["\u{2581}walk", "ing"], strip: "\u{2581}"), "\u{2581}walking")
    }

    /// (d) A classifier folder whose tokenizer is of the other kind, or has more ids than the
    /// classifier's embedding table, is refused with a message naming both.
    func testClassifierAndTokenizerThatDoNotMatchAreRefused() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("lingua-mismatch-\(UUID().uuidString)")
        try fm.copyItem(at: Self.tinyXLMR, to: dir)
        defer { try? fm.removeItem(at: dir) }
        for f in ["tokenizer.json", "tokenizer_config.json"] {
            try fm.removeItem(at: dir.appendingPathComponent(f))
            try fm.copyItem(at: Self.tiny.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        XCTAssertThrowsError(try LLMLingua2(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("a WordPiece tokenizer does not match the xlm-roberta classifier"), "\(e)")
        }
        let real = Self.root.appendingPathComponent("models/xlm-roberta-tokenizer/tokenizer.json")
        guard fm.fileExists(atPath: real.path) else { throw XCTSkip("XLM-R tokenizer.json not found (run `make xlmr-tokenizer`)") }
        try fm.removeItem(at: dir.appendingPathComponent("tokenizer.json"))
        try fm.copyItem(at: real, to: dir.appendingPathComponent("tokenizer.json"))
        XCTAssertThrowsError(try LLMLingua2(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("the tokenizer has 250002 ids but the classifier's vocab_size is 1500"), "\(e)")
        }
    }

    func checkGoldens(_ dir: URL) throws {
        guard FileManager.default.fileExists(atPath: Self.lima.path) else { throw XCTSkip("LIMA not found at \(Self.lima.path)") }
        let data = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.lima)) as! [[String: Any]]
        let g = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("llmlingua2-goldens.json"))) as! [String: Any]
        let m = try LLMLingua2(directory: dir)
        var worst: Float = 0, words = 0, chunks = 0
        for r in g["rows"] as! [[String: Any]] {
            let i = (r["index"] as! NSNumber).intValue
            let text = data[i]["output"] as! String
            let want = (r["probs"] as! [NSNumber]).map { $0.floatValue }
            let wantWords = r["words"] as! [String]
            let toks = m.tokenizer.encode(text).map { m.tokenizer.token(for: $0)! }
            XCTAssertEqual(LLMLingua2.chunks(toks).count, (r["chunks"] as! NSNumber).intValue, "example \(i): chunks")
            let got = try m.wordProbabilities(text)
            XCTAssertEqual(got.map { $0.text }, wantWords, "example \(i): words")
            XCTAssertEqual(got.count, want.count, "example \(i)")
            for (k, (a, b)) in zip(got, want).enumerated() {
                if abs(a.prob - b) > 1e-5 && worst <= 1e-5 { print("[llmlingua2] first difference: example \(i) word \(k) '\(a.text)' \(a.prob) vs \(b)") }
                worst = max(worst, abs(a.prob - b))
            }
            words += got.count
            chunks += (r["chunks"] as! NSNumber).intValue
        }
        print("[llmlingua2] \(dir.lastPathComponent): \(words) words in \(chunks) chunks, max |p diff| \(worst), misaligned chunks \(m.misalignedChunks)")
        XCTAssertLessThan(worst, 1e-5)
    }

    func testChunkingBacksOffToLastEndTokenAndMayHold511() {
        // 1200 tokens, "." at 300 and 900: chunks end after each "." (301, 600 tokens → the second
        // is longer than 510, so it backs off further only when it sees an end token).
        var toks = [String](repeating: "w", count: 1200)
        toks[300] = "."; toks[900] = "."
        let c = LLMLingua2.chunks(toks)
        XCTAssertEqual(c.first, 0..<301)
        // From 301: ed = 811, no end token in 302...811 → chunk 301...811, 511 tokens.
        XCTAssertEqual(c[1], 301..<812)
        XCTAssertEqual(c.map { $0.count }.reduce(0, +), 1200)
    }

    func testTokenScoresTakeMaxOverlapAndZeroForNone() {
        let w = [LLMLingua2.Word(text: "ab", prob: 0.2, range: 0..<2), LLMLingua2.Word(text: "cd", prob: 0.9, range: 3..<5)]
        // A token spanning both words, one inside the first, one over the gap only, one empty.
        XCTAssertEqual(LLMLingua2.tokenScores(words: w, tokenRanges: [0..<5, 1..<2, 2..<3, 0..<0]),
                       [Double(Float(0.9)), Double(Float(0.2)), 0, 0])
    }

    func testScoresMapOntoAnotherTokenizersTokens() throws {
        let m = try LLMLingua2(directory: Self.tiny)
        let llm = try ModelFolder(directory: Self.root.appendingPathComponent("Tests/Fixtures/tokenizers/llama3-mini")).tokenizer()
        let prompt = "Question: why?\n", response = "Because the sky scatters blue light."
        let text = prompt + response
        let enc = llm.encodeWithOffsets(text)
        let start = enc.firstIndex { $0.offsets.lowerBound >= prompt.unicodeScalars.count }!
        let ex = GroupingExample(index: 0, tokens: enc.map { $0.id }, lossPositions: Array(start..<enc.count), text: text,
                                 lossOffsets: enc[start...].map { $0.offsets })
        let s = try m.checkedScores([ex])[0]
        let words = try m.wordProbabilities(response)
        XCTAssertEqual(s.count, ex.lossCount)
        let shift = prompt.unicodeScalars.count
        for (k, r) in ex.lossOffsets!.enumerated() {
            let want = words.filter { ($0.range.lowerBound + shift..<$0.range.upperBound + shift).overlaps(r) }.map { Double($0.prob) }.max() ?? 0
            XCTAssertEqual(s[k], want, "token \(k)")
        }
        XCTAssertTrue(s.contains { $0 > 0 })
    }

    func testMissingClassifierNamesTheFetchCommand() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-classifier-\(UUID().uuidString)")
        XCTAssertThrowsError(try LLMLingua2(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("sftgo model fetch microsoft/llmlingua-2-bert-base-multilingual-cased-meetingbank"), "\(e)")
        }
    }
}
