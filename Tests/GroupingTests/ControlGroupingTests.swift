import XCTest
import Foundation
import Tokenizers
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

    func testChatExamplesMaskPromptsAndKeepOffsets() throws {
        let tok = try Tokenizer(directory: try smolLM2Directory())
        let conv = ChatExamples.Conversation(turns: [("Hi there", "Hello, friend."), ("And?", "Bye")])
        let e = try ChatExamples.example(index: 4, conv, tokenizer: tok)
        let text = e.text!
        XCTAssertEqual(text, try tok.applyChatTemplate([.init(role: "user", content: "Hi there"), .init(role: "assistant", content: "Hello, friend."),
                                                         .init(role: "user", content: "And?"), .init(role: "assistant", content: "Bye")],
                                                        addGenerationPrompt: false))
        // Loss tokens are exactly each response plus "<|im_end|>\n", for both turns.
        XCTAssertEqual(tok.decode(e.lossIds), "Hello, friend.<|im_end|>\nBye<|im_end|>\n")
        let scalars = Array(text.unicodeScalars)
        let pieces = e.lossOffsets!.map { r in String(String.UnicodeScalarView(scalars[r])) }
        XCTAssertEqual(pieces.joined(), "Hello, friend.\nBye\n", "special tokens cover no text")
        XCTAssertEqual(e.lossPositions.count, e.lossOffsets!.count)
    }
}
