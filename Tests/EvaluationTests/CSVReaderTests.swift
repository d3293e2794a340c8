import XCTest
@testable import Evaluation

/// Expected values are what Python's csv.reader (default dialect) returns for the same text.
final class CSVReaderTests: XCTestCase {
    func fields(_ s: String) -> [[String]] { CSVReader.parse(s).map(\.fields) }

    func testQuotedFieldsWithNewlinesCommasAndDoubledQuotes() {
        let text = "\"What is \"\"x\"\"?\nSecond line\",a,\"b, c\",d,e,A\nplain,1,2,3,4,B\n"
        XCTAssertEqual(fields(text), [["What is \"x\"?\nSecond line", "a", "b, c", "d", "e", "A"],
                                      ["plain", "1", "2", "3", "4", "B"]])
        XCTAssertEqual(CSVReader.parse(text).map(\.line), [1, 3])
    }

    func testLineEndingsBlankLinesAndEmptyFields() {
        XCTAssertEqual(fields("a,b\r\n\r\nc,\n,d"), [["a", "b"], [], ["c", ""], ["", "d"]])
        XCTAssertEqual(fields("a,b\rc,d"), [["a", "b"], ["c", "d"]])
    }

    func testNonStrictQuoteHandling() {
        // A quote inside an unquoted field is literal; text after a closing quote is kept.
        XCTAssertEqual(fields("ab\"c,\"x\"y,z\n"), [["ab\"c", "xy", "z"]])
        // Whitespace around fields is kept (skipinitialspace=False).
        XCTAssertEqual(fields(" a , b \n"), [[" a ", " b "]])
    }
}
