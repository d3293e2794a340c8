import Foundation
import Models
import XCTest
@testable import Tokenizers

/// Bad or unsupported tokenizer.json content gives typed errors naming the component.
final class TokenizerErrorTests: XCTestCase {
    func load(_ json: String) throws -> Tokenizer {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString).json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Tokenizer(tokenizerJSON: url, tokenizerConfig: nil)
    }
    let model = #"{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}"#

    func testMinimalModelMerges() throws {
        let t = try load(#"{"model":\#(model)}"#)
        XCTAssertEqual(t.encode("abab"), [2, 2])
        XCTAssertEqual(t.encode("ba"), [1, 0])
    }

    func testUnknownTypesAreNamed() {
        let cases: [(String, String)] = [
            (#"{"model":{"type":"WordLevel","vocab":{}}}"#, "WordLevel"),
            (#"{"normalizer":{"type":"StripAccents"},"model":\#(model)}"#, "StripAccents"),
            (#"{"decoder":{"type":"CTC"},"model":\#(model)}"#, "CTC"),
            (#"{"post_processor":{"type":"SomethingNew"},"model":\#(model)}"#, "SomethingNew"),
            (#"{"pre_tokenizer":{"type":"CharDelimiterSplit","delimiter":"x"},"model":\#(model)}"#, "CharDelimiterSplit"),
        ]
        for (json, name) in cases {
            XCTAssertThrowsError(try load(json)) { e in
                guard case let TokenizerError.unsupportedType(_, type) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(type, name)
            }
        }
    }

    func testUnknownRegexIsNamed() {
        let json = #"{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\w+"},"behavior":"Isolated","invert":false},"model":\#(model)}"#
        XCTAssertThrowsError(try load(json)) { e in
            guard case let TokenizerError.unsupportedRegex(_, p) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(p, #"\w+"#)
        }
    }

    func testBadMergeNamesField() {
        let json = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":["a zz"]}}"#
        XCTAssertThrowsError(try load(json)) { e in
            guard case let TokenizerError.invalidField(_, field, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "model.merges[0]")
        }
    }

    func testMissingFileAndBadJSON() throws {
        XCTAssertThrowsError(try Tokenizer(tokenizerJSON: URL(fileURLWithPath: "/nonexistent-dir/tokenizer.json"), tokenizerConfig: nil)) { e in
            XCTAssertEqual((e as? TokenizerError)?.description.hasPrefix("cannot read /nonexistent-dir/tokenizer.json"), true, "\(e)")
        }
        XCTAssertThrowsError(try ModelFolder(directory: URL(fileURLWithPath: "/nonexistent-dir")).tokenizer()) { e in
            XCTAssertEqual(e as? ModelFolderError, .notAFolder(path: "/nonexistent-dir"))
        }
        XCTAssertThrowsError(try load("{not json")) { e in
            guard case TokenizerError.invalidJSON = e else { return XCTFail("\(e)") }
        }
    }
}
