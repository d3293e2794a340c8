import Checkpoints
import Foundation
import XCTest
@testable import Evaluation

/// The IFEval API's contracts that the goldens do not exercise: typed errors, the loose
/// variants, the letter-frequency exception and the aggregation.
final class IFEvalAPITests: XCTestCase {
    func testBadInstructionsAreTypedErrors() {
        XCTAssertThrowsError(try IFEvalInstruction(id: "keywords:nope", kwargs: [:])) {
            XCTAssertEqual($0 as? IFEvalError, .unknownInstruction("keywords:nope"))
        }
        // num_bullets 0 is falsy, so lm-eval would draw it at random: refused here.
        XCTAssertThrowsError(try IFEvalInstruction(id: "detectable_format:number_bullet_lists", kwargs: ["num_bullets": .int(0)])) {
            guard case let .badArgument(i, k, _)? = $0 as? IFEvalError else { return XCTFail("\($0)") }
            XCTAssertEqual([i, k], ["detectable_format:number_bullet_lists", "num_bullets"])
        }
        XCTAssertThrowsError(try IFEvalInstruction(id: "keywords:existence", kwargs: ["keywords": .array([.string("a.b")])]))
        XCTAssertThrowsError(try IFEvalInstruction(id: "length_constraints:number_words",
                                                   kwargs: ["num_words": .int(3), "relation": .string("at most")]))
    }

    func testLetterFrequencyWithANonLetterIsMarkedUnreproducible() throws {
        let bad = try IFEvalInstruction(id: "keywords:letter_frequency",
                                        kwargs: ["letter": .string("#"), "let_frequency": .int(4), "let_relation": .string("at least")])
        XCTAssertFalse(bad.reproducible)
        XCTAssertNotNil(bad.substituteLetter)
        let good = try IFEvalInstruction(id: "keywords:letter_frequency",
                                         kwargs: ["letter": .string("Q"), "let_frequency": .int(2), "let_relation": .string("less than")])
        XCTAssertTrue(good.reproducible)
    }

    func testLooseVariantsFollowLmEvalOrder() {
        let v = IFEvalScorer.looseVariants(Array("*A*\nb\n c *".unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
        XCTAssertEqual(v, ["*A*\nb\n c *", "A\nb\n c ", "b\n c *", "*A*\nb", "b", "b\n c ", "A\nb", "b"])
        XCTAssertEqual(IFEvalScorer.looseVariants(Array("x".unicodeScalars)).map(\.count), [1, 1, 0, 0, 0, 0, 0, 0])
    }

    func testAggregateIsLmEvalsMeansAndFlatInstructionMean() {
        var a = IFEvalAggregate()
        a.add(IFEvalVerdict(strict: [true, false], loose: [true, true], reproducible: [true, true]))
        a.add(IFEvalVerdict(strict: [true], loose: [true], reproducible: [false]))
        a.add(IFEvalVerdict(strict: [false, false, true], loose: [false, true, true], reproducible: [true, true, true]))
        XCTAssertEqual(a.promptLevelStrictAcc, 1.0 / 3.0)
        XCTAssertEqual(a.promptLevelLooseAcc, 2.0 / 3.0)
        XCTAssertEqual(a.instLevelStrictAcc, 3.0 / 6.0)
        XCTAssertEqual(a.instLevelLooseAcc, 5.0 / 6.0)
        XCTAssertEqual(a.unreproducibleInstructions, 1)
        let m = a.metrics
        XCTAssertEqual(m.map(\.name), ["prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc"])
        XCTAssertNil(m[1].stderr)
        // sample std of [1, 0, 0] is sqrt(1/3); / sqrt(3) = 1/3.
        XCTAssertEqual(m[0].stderr!, 1.0 / 3.0, accuracy: 1e-15)
    }

    func testEmptyResponseFailsEveryInstructionEvenForbiddenWords() throws {
        let doc = try IFEvalDocument(key: 1, prompt: "p", instructionIDs: ["keywords:forbidden_words", "punctuation:no_comma"],
                                     kwargs: [["forbidden_words": .array([.string("x")])], [:]])
        let v = IFEvalScorer.score(doc, response: " \n ", tools: NoTools())
        XCTAssertEqual(v.strict, [false, false])
        XCTAssertEqual(v.loose, [false, false])
        XCTAssertEqual(IFEvalScorer.score(doc, response: "fine text", tools: NoTools()).strict, [true, true])
    }

    func testMissingResourcesNameTheFolder() {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("no-such-ifeval-\(getpid())")
        XCTAssertThrowsError(try IFEvalResources(directory: dir)) {
            guard case let .resourceMissing(path, _)? = $0 as? IFEvalError else { return XCTFail("\($0)") }
            XCTAssertTrue(path.hasPrefix(dir.path))
        }
    }

    struct NoTools: IFEvalTextTools {
        func sentenceCount(_ text: [Unicode.Scalar]) -> Int { fatalError("not needed") }
        func wordTokens(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] { fatalError("not needed") }
        func detectLanguage(_ text: [Unicode.Scalar]) -> String? { fatalError("not needed") }
    }
}
