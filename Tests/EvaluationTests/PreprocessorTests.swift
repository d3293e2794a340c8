import XCTest
@testable import Evaluation

final class PreprocessorTests: XCTestCase {
    func testHellaswagPreprocess() {
        // strip; " [title]" → ". "; drop [..] spans; "  " → " " once (three spaces become two).
        XCTAssertEqual(NamedFunctions.hellaswagPreprocess("  Find a job [title] Search for work. "),
                       "Find a job. Search for work.")
        XCTAssertEqual(NamedFunctions.hellaswagPreprocess("[substeps] Many schools [step] offer it."),
                       " Many schools offer it.")
        XCTAssertEqual(NamedFunctions.hellaswagPreprocess("a   b"), "a  b")
        XCTAssertEqual(NamedFunctions.hellaswagPreprocess("x [a\nb] y"), "x [a\nb] y")   // '.' excludes newline
        XCTAssertEqual(NamedFunctions.hellaswagPreprocess("x [a] [b] y"), "x  y")   // 3 spaces → 2
    }

    func testHellaswagDoc() throws {
        let raw = JSONObject([("activity_label", .string("Roof shingle removal")),
                              ("ctx_a", .string("A man is sitting on a roof.")), ("ctx_b", .string("he")),
                              ("endings", .array([.string("is using wrap."), .string("[substeps] Rips.")])),
                              ("label", .string("1"))])
        let d = try NamedFunctions.hellaswagProcessDoc(raw)
        XCTAssertEqual(d["query"], .string("Roof shingle removal: A man is sitting on a roof. He"))
        XCTAssertEqual(d["choices"], .array([.string("is using wrap."), .string(" Rips.")]))
        XCTAssertEqual(d["gold"], .int(1))
        // Empty ctx_b (WikiHow rows): the trailing space is stripped.
        var w = raw; w["ctx_b"] = .string("")
        XCTAssertEqual(try NamedFunctions.hellaswagProcessDoc(w)["query"],
                       .string("Roof shingle removal: A man is sitting on a roof."))
    }

    func testMathQAOptions() throws {
        func opts(_ s: String) throws -> [String] { try NamedFunctions.mathqaOptions(JSONObject([("options", .string(s))])) }
        XCTAssertEqual(try opts("a ) 38 , b ) 27.675 , c ) 30 , d ) data inadequate , e ) none of these"),
                       ["38", "27.675", "30", "data inadequate", "none of these"])
        // List-form quirk (item 82): the quote debris is kept.
        XCTAssertEqual(try opts("['a ) 2 : 3', 'b ) 4 : 5', 'c ) 16 : 9', 'd ) 7 : 9', 'e ) 8 : 5']"),
                       ["2 : 3'", "4 : 5'", "16 : 9'", "7 : 9'", "8 : 5']"])
        // `$` also matches before a final newline; a newline elsewhere stops `.`.
        XCTAssertEqual(try opts("a ) 1 , e ) 5\n"), ["1", "5"])
        XCTAssertEqual(try opts("a ) 1\n , e ) 5\nx"), [])
        XCTAssertEqual(try opts("a ) 1 , b ) 2 , c ) 3 , d ) 4 , e ) 5 , "), ["1", "2", "3", "4", "5"])
    }
}
