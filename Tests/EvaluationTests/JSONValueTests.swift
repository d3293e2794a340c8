import XCTest
@testable import Evaluation

final class JSONValueTests: XCTestCase {
    func testObjectKeepsFileOrder() throws {
        let v = try JSONValue.parse(#"{"zeta": 1, "alpha": 0, "mid": 1}"#)
        XCTAssertEqual(v.objectValue?.keys, ["zeta", "alpha", "mid"])
        XCTAssertEqual(v.objectValue?.values, [.int(1), .int(0), .int(1)])
    }

    func testDuplicateKeyKeepsFirstPositionLastValue() throws {
        // Python json.load: {"a": 1, "b": 2, "a": 3} → {'a': 3, 'b': 2}
        let o = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#).objectValue!
        XCTAssertEqual(o.keys, ["a", "b"])
        XCTAssertEqual(o["a"], .int(3))
    }

    func testEscapesAndSurrogatePairs() throws {
        let v = try JSONValue.parse(#"["a\"b\\c\/d\n\t", "\u00e9\u2019", "\ud83d\ude00"]"#)
        XCTAssertEqual(v, .array([.string("a\"b\\c/d\n\t"), .string("é’"), .string("😀")]))
    }

    func testNumbers() throws {
        XCTAssertEqual(try JSONValue.parse("[1, -2, 3.5, 1e3, NaN]").arrayValue?.count, 5)
        XCTAssertEqual(try JSONValue.parse("-2"), .int(-2))
        XCTAssertEqual(try JSONValue.parse("3.5"), .double(3.5))
        XCTAssertEqual(try JSONValue.parse("1e3"), .double(1000))
    }

    func testSyntaxErrorsAreTyped() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "[1] 2", "{\"a\":\"x\ny\"}"] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad) { XCTAssertTrue($0 is JSONParseError, bad) }
        }
    }

    func testSerialisationRoundTrip() throws {
        let text = #"{"b": [1, 2.5, "x\"y\n", null, true], "a": {"k": "é"}}"#
        let v = try JSONValue.parse(text)
        XCTAssertEqual(v.serialized(), text)
        XCTAssertEqual(try JSONValue.parse(v.serialized(indent: 2)), v)
    }

    func testPythonRepr() {
        XCTAssertEqual(JSONValue.array([.string("a"), .string("it's"), .string("x\ny")]).pythonRepr,
                       #"['a', "it's", 'x\ny']"#)
        XCTAssertEqual(JSONValue.array([.string("both ' and \"")]).pythonRepr, #"['both \' and "']"#)
        XCTAssertEqual(JSONValue.double(0.5).pythonRepr, "0.5")
        XCTAssertEqual(JSONValue.double(3).pythonRepr, "3.0")
        XCTAssertEqual(JSONValue.bool(true).jinjaText, "True")
    }
}
