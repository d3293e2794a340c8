import XCTest
@testable import Evaluation

final class TemplateTests: XCTestCase {
    let doc = JSONObject([
        ("question", .string("  Why?\n")),
        ("choices", .object(JSONObject([("text", .array([.string("x"), .string("y z")])),
                                        ("label", .array([.string("1"), .string("2")]))]))),
        ("answerKey", .string(" 2")),
        ("correct", .string("c")),
        ("list", .array([.string("a"), .string("b")])),
    ])
    var scope: Template.Scope { Template.Scope(doc: doc, vars: JSONObject([("p", .string("P"))])) }

    func testFieldsMethodsAndIndexing() throws {
        XCTAssertEqual(try Template("{{question.strip()}}\nA. {{list[0]}}|{{list[-1]}}").render(scope), "Why?\nA. a|b")
        XCTAssertEqual(try Template("{{choices.label.index(answerKey.lstrip())}}").render(scope), "1")
        XCTAssertEqual(try Template("{{['a', 'b', 'c', 'd', 'e'].index(correct)}}").render(scope), "2")
        XCTAssertEqual(try Template("{{choices['text'][1].upper()}}").render(scope), "Y Z")
        XCTAssertEqual(try Template("{{p + '\n\nQ: ' + question + '\nA:'}}").render(scope), "P\n\nQ:   Why?\n\nA:")
        XCTAssertEqual(try Template("{{'a  b'.replace('  ', ' ')}}|{{'x y'.split()}}").render(scope), "a b|['x', 'y']")
    }

    func testListRendersAsPythonReprAndValueKeepsTheList() throws {
        let t = try Template("{{choices.text}}")
        XCTAssertTrue(t.isSingleExpression)
        XCTAssertEqual(try t.render(scope), "['x', 'y z']")
        XCTAssertEqual(try t.value(scope), .array([.string("x"), .string("y z")]))
    }

    func testErrorsAreTyped() {
        XCTAssertThrowsError(try Template("{{ question.strip( }}")) { XCTAssertTrue($0 is TemplateError) }
        XCTAssertThrowsError(try Template("{{ question")) { XCTAssertTrue($0 is TemplateError) }
        XCTAssertThrowsError(try Template("{{ missing }}").render(scope)) {
            XCTAssertEqual($0 as? TemplateError, .undefined("{{ missing }}", "missing"))
        }
        XCTAssertThrowsError(try Template("{{ list.index('q') }}").render(scope))
        XCTAssertThrowsError(try Template("{{ list[5] }}").render(scope))
    }

    func testPythonStringMethods() {
        XCTAssertEqual(PyString.strip("\u{1F} a\u{A0}\u{2003}"), "a")      // Python isspace set
        XCTAssertEqual(PyString.strip("x, ,", chars: " ,", left: false), "x")
        XCTAssertEqual(PyString.capitalize("hELLO wORLD"), "Hello world")
        XCTAssertEqual(PyString.replace("a   b", "  ", " "), "a  b")     // one pass: three spaces → two
        XCTAssertEqual(PyString.length("32° F"), 5)
        XCTAssertEqual(PyString.length("e\u{301}"), 2)                    // code points, not graphemes
    }
}
