import XCTest
import Foundation
import Models
import Tokenizers
@testable import Grouping

final class TFIDFTests: XCTestCase {
    /// Hand-computed: d0 = [a, a, b], d1 = [b, c]; idf(a) = idf(c) = ln(3/2) + 1, idf(b) = 1;
    /// values as scikit-learn prints them.
    func testHandComputedIds() throws {
        let a = 7, b = 8, c = 9
        let ex = [example(0, [a, a, b]), example(1, [b, c])]
        let raw = try TFIDF(normalize: false).scores(ex, progress: nil)
        assertClose(TFIDF.idf(documents: 2, documentFrequency: 1), log(1.5) + 1)
        assertClose(raw[0][0], 2.8109302162163288); assertClose(raw[0][1], 2.8109302162163288)
        assertClose(raw[0][2], 1.0); assertClose(raw[1][1], 1.4054651081081644)
        let l2 = try TFIDF().scores(ex, progress: nil)
        assertClose(l2[0][0], 0.9421556246632359); assertClose(l2[0][2], 0.33517574332792605)
        assertClose(l2[1][0], 0.5797386715376657); assertClose(l2[1][1], 0.8148024746671689)
        // Every occurrence of a term in a document has the same score.
        XCTAssertEqual(l2[0][0], l2[0][1])
    }

    /// The default word analyser: lower-case, words of 2+ word characters (`_` and digits count,
    /// "I" and "," do not); scores as scikit-learn's for the same two documents.
    func testWordAnalyserMatchesScikitLearn() throws {
        let w = WordAnalyzer.words(in: WordAnalyzer.lossText("The cat, the HAT! a_b I 42x", [0..<27]))
        XCTAssertEqual(w.map { $0.term }, ["the", "cat", "the", "hat", "a_b", "42x"])
        XCTAssertEqual(w.map { $0.range }, [0..<3, 4..<7, 9..<12, 13..<16, 18..<21, 24..<27])
        let docs = [w.map { $0.term }, WordAnalyzer.words(in: WordAnalyzer.lossText("Über cat über", [0..<13])).map { $0.term }]
        XCTAssertEqual(docs[1], ["über", "cat", "über"])
        let weights = TFIDF.weights(docs, normalize: true)
        assertClose(weights[0]["the"]!, 0.7299929362895164); assertClose(weights[0]["cat"]!, 0.2596979932401624)
        assertClose(weights[0]["42x"]!, 0.3649964681447582); assertClose(weights[1]["über"]!, 0.9421556246632359)
        // Python's str.lower() of "İ" is "i" + U+0307 (no word character): the word is cut there.
        XCTAssertEqual(WordAnalyzer.words(in: WordAnalyzer.lossText("İstanbul", [0..<8])).map { $0.term }, ["stanbul"])
    }

    /// Word scores carried onto tokens: a token gets the highest score of the words it overlaps,
    /// 0 for whitespace/punctuation/one-letter words and for special tokens (empty range).
    func testWordScoresOnTokens() throws {
        //            0123456789012345678
        let text = "ab cd, ab x\u{1F600}ef"
        // tokens: "ab", " c", "d,", " ab", " x", "😀e", "f", <special>
        let offsets = [0..<2, 2..<4, 4..<6, 6..<9, 9..<11, 11..<13, 13..<14, 14..<14]
        let e = GroupingExample(index: 0, tokens: [0] + Array(10..<18), lossPositions: Array(1...8), text: text, lossOffsets: offsets)
        let s = try TFIDF(units: .words, normalize: false).scores([e], progress: nil)[0]
        // One document: idf = 1 for every term; counts ab = 2, cd = 1, ef = 1.
        XCTAssertEqual(s, [2, 1, 1, 2, 0, 1, 1, 0])
        XCTAssertThrowsError(try TFIDF(units: .words).scores([example(3, [1, 2])], progress: nil)) {
            XCTAssertEqual($0 as? GroupingError, .missingText(example: 3, method: "tfidf --units words"))
        }
    }

    struct Golden: Decodable {
        struct Units: Decodable {
            struct Example: Decodable { var scores: [Double]; var important: [Int] }
            var terms: Int; var score_sums: [Double]; var examples: [String: Example]
        }
        var documents: Int; var loss_tokens: Int; var ids_sha256: String; var chosen: [Int]; var units: [String: Units]
    }

    /// The real LIMA data: the same loss-token documents as HF `tokenizers` gives, and TF-IDF equal
    /// to scikit-learn (every document's score sum, full scores and η = 0.9 masks of chosen examples),
    /// for token-id and word units.
    func testLIMAMatchesScikitLearn() throws {
        let tok = try ModelFolder(directory: try smolLM2Directory()).tokenizer()
        let data = try limaFile()
        let g = try JSONDecoder().decode(Golden.self,
            from: Data(contentsOf: groupingFixtures.appendingPathComponent("grouping/tfidf_lima.json")))
        // No cutoff here: the goldens hold every LIMA row.
        let examples = try GroupingData.load(data, tokenizer: tok, maxLength: 1 << 20, skipInvalid: false).examples
        XCTAssertEqual(examples.count, g.documents)
        XCTAssertEqual(examples.reduce(0) { $0 + $1.lossCount }, g.loss_tokens)
        XCTAssertEqual(Identity.sha256(examples.map { $0.lossIds.map(String.init).joined(separator: " ") }.joined(separator: "\n")),
                       g.ids_sha256, "loss-token documents differ from HF tokenizers'")
        for units in TFIDF.Units.allCases {
            let gold = g.units[units.rawValue]!
            let s = try TFIDF(units: units).scores(examples, progress: nil)
            for (d, sum) in gold.score_sums.enumerated() {
                assertClose(s[d].reduce(0, +), sum, rel: 1e-9, "\(units) document \(d)")
            }
            for i in g.chosen {
                let ge = gold.examples[String(i)]!
                XCTAssertEqual(s[i].count, ge.scores.count)
                for (x, y) in zip(s[i], ge.scores) { assertClose(x, y, rel: 1e-12, "\(units) example \(i)") }
                XCTAssertEqual(try Selector.important(s[i], eta: 0.9).map { $0 ? 1 : 0 }, ge.important, "\(units) example \(i)")
            }
        }
    }
}
