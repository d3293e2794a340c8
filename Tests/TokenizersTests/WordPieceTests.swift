import Foundation
import Models
import XCTest
@testable import Tokenizers

/// BERT WordPiece pieces against tokenizers 0.21.4 (goldens from scripts/reference/wordpiece_goldens.py).
final class WordPieceTests: XCTestCase {
    func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func expand(_ r: Any?) -> Set<UInt32> {
        var s = Set<UInt32>()
        for p in r as! [[NSNumber]] { for c in p[0].uint32Value...p[1].uint32Value { s.insert(c) } }
        return s
    }

    /// Over every code point: what clean_text removes or turns into a space, what BertPreTokenizer
    /// isolates as punctuation.
    func testCharacterClassesOverAllOfUnicode() throws {
        let g = try load("goldens-bert-unicode.json")
        let removed = expand(g["removed"]), spaced = expand(g["spaced"]), punct = expand(g["punctuation"])
        var bad: [String] = []
        for c in UInt32(0)..<0x110000 where !(0xD800..<0xE000).contains(c) {
            let rm = c == 0 || c == 0xFFFD || BertText.isControl(c)
            let sp = !rm && BertText.isWhitespace(c) && c != 0x20
            let pu = c > 0x20 && !rm && !sp && BertText.isPunctuation(c)
            if rm != removed.contains(c) { bad.append(String(format: "removed %04X", c)) }
            if sp != spaced.contains(c) { bad.append(String(format: "spaced %04X", c)) }
            if pu != punct.contains(c) { bad.append(String(format: "punct %04X", c)) }
        }
        XCTAssertEqual(bad.count, 0, "first differences: \(bad.prefix(20))")
    }

    /// Ids and character offsets (with [CLS]/[SEP]) of the real all-MiniLM-L6-v2 tokenizer.
    func testOffsetsRealMiniLM() throws {
        guard let dir = Paths.minilm else { throw XCTSkip("all-MiniLM-L6-v2 not found (run `make minilm`, or set SFTGO_MINILM_DIR)") }
        let tok = try ModelFolder(directory: dir).tokenizer()
        let g = try load("goldens-wordpiece-offsets.json")
        let texts = g["texts"] as! [String], rows = g["encodings"] as! [[String: Any]]
        var bad = 0
        for (t, r) in zip(texts, rows) {
            let want = (r["ids"] as! [NSNumber]).map { $0.intValue }
            let wantOff = (r["offsets"] as! [[NSNumber]]).map { $0[0].intValue..<$0[1].intValue }
            let got = tok.encodeWithOffsets(t, addSpecialTokens: true)
            if got.map({ $0.id }) != want || got.map({ $0.offsets }) != wantOff {
                bad += 1
                if bad <= 3 { XCTFail("\(t.debugDescription)\n got \(got)\nwant \(Array(zip(want, wantOff)))") }
            }
        }
        print("[wordpiece] offsets: \(texts.count) texts, \(bad) mismatches")
    }

    func testLongWordIsUnknownAndAccentsFold() throws {
        let tok = try ModelFolder(directory: Paths.fixtures.appendingPathComponent("bert-uncased-mini")).tokenizer()
        let unk = tok.id(for: "[UNK]")!
        // max_input_chars_per_word is 12 in the fixture: 13 letters are one [UNK].
        XCTAssertEqual(tok.encode("aaaaaaaaaaaaa"), [unk])
        XCTAssertEqual(tok.encode("Café"), tok.encode("cafe"))
        let ids = tok.encode("hello", addSpecialTokens: true)
        XCTAssertEqual(ids.first, tok.id(for: "[CLS]"))
        XCTAssertEqual(ids.last, tok.id(for: "[SEP]"))
    }

    func testUnknownTokenMissingFromVocabularyIsATypedError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = #"{"model":{"type":"WordPiece","unk_token":"[NOPE]","vocab":{"a":0}}}"#
        try json.write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModelFolder(directory: dir).tokenizer()) { e in
            guard case TokenizerError.invalidField(_, let field, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "model.unk_token")
        }
    }
}
