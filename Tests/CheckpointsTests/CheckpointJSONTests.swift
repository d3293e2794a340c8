import Foundation
import XCTest
@testable import Checkpoints

/// The package's one JSON type as checkpoint files use it: file order kept on reading, the
/// writing forms of Python's `json.dumps` (pretty for config files, tight separators for safetensors
/// headers), Codable through Foundation.
final class CheckpointJSONTests: XCTestCase {
    func testReadingKeepsFileOrderAndPythonDuplicateRule() throws {
        let v = try JSONValue.parse(Data(#"{"vocab_size": 3, "a": 1, "vocab_size": 4}"#.utf8), file: "c.json")
        XCTAssertEqual(v.objectValue?.keys, ["vocab_size", "a"])
        XCTAssertEqual(v["vocab_size"], .int(4))
    }

    /// Numbers follow Python's json scanner: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`; what
    /// json.loads accepts and rejects (checked with Python 3.11).
    func testNumbersFollowPythonsGrammar() throws {
        for bad in ["01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "[1.]", "[01]", "0x10", "1.5.5"] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad)
        }
        XCTAssertEqual(try JSONValue.parse("0"), .int(0))
        XCTAssertEqual(try JSONValue.parse("-0"), .int(0))
        XCTAssertEqual(try JSONValue.parse("1.5e-3"), .double(0.0015))
        XCTAssertEqual(try JSONValue.parse(" 1E+2 "), .double(100))
        XCTAssertEqual(try JSONValue.parse("[-Infinity, 2]"), .array([.double(-.infinity), .int(2)]))
    }

    func testSyntaxErrorNamesTheFile() {
        XCTAssertThrowsError(try JSONValue.parse(Data(#"{"a": }"#.utf8), file: "x/config.json")) {
            guard case .badJSON("x/config.json", let reason)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("byte 6"), reason)
        }
    }

    /// Expected texts are what Python prints for the same dict:
    /// json.dumps(d, indent=2), json.dumps(d), json.dumps(d, separators=(",", ":")).
    func testWritingForms() {
        let v: JSONValue = .object([("b", .array([.int(1), .double(0.02), .double(100000)])), ("a", .object([])),
                                    ("s", .string("\u{8}\"é\u{1}")), ("e", .double(9.999999747378752e-06)),
                                    ("big", .double(1e15)), ("n", .null)])
        XCTAssertEqual(v.serialized(indent: 2), """
        {
          "b": [
            1,
            0.02,
            100000.0
          ],
          "a": {},
          "s": "\\b\\"é\\u0001",
          "e": 9.999999747378752e-06,
          "big": 1000000000000000.0,
          "n": null
        }
        """)
        XCTAssertEqual(v.serialized(), #"{"b": [1, 0.02, 100000.0], "a": {}, "s": "\b\"é\u0001", "e": 9.999999747378752e-06, "big": 1000000000000000.0, "n": null}"#)
        XCTAssertEqual(v.serialized(compact: true), #"{"b":[1,0.02,100000.0],"a":{},"s":"\b\"é\u0001","e":9.999999747378752e-06,"big":1000000000000000.0,"n":null}"#)
    }

    func testCodableRoundTripThroughFoundation() throws {
        let v: JSONValue = .object([("z", .array([.bool(true), .int(-3), .double(2.5), .string("x")])), ("a", .null)])
        let back = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(v))
        XCTAssertEqual(back, v)   // dict equality: Foundation does not keep key order
        XCTAssertEqual(back.objectValue?.keys, ["a", "z"])
    }

    func testIntegralDoublesReadAsIntegers() {
        XCTAssertEqual(JSONValue.double(2).intValue, 2)
        XCTAssertNil(JSONValue.double(2.5).intValue)
        XCTAssertEqual(JSONValue.int(7).doubleValue, 7)
    }
}
