import XCTest
@testable import Evaluation

/// The golden requests of eval-spec §5 (rendered by lm-eval 0.4.8 over the same files) and the
/// rules of spec precision 13 checked over the full data. Needs ../shared/data; skips without it.
final class RequestGoldenTests: XCTestCase {
    static var registry: TaskRegistry?
    static var loaded: [String: Task] = [:]

    func task(_ name: String, fewshot: Bool = false) throws -> Task {
        let dataDir = try TestPaths.requireSharedData()
        if RequestGoldenTests.registry == nil { RequestGoldenTests.registry = try TaskRegistry(directory: TestPaths.tasks) }
        let key = name + (fewshot ? "+fs" : "")
        if let t = RequestGoldenTests.loaded[key] { return t }
        let t = try Task.load(RequestGoldenTests.registry!.tasks[name]!, data: DataSource(directory: dataDir), needFewshot: fewshot)
        RequestGoldenTests.loaded[key] = t
        return t
    }

    func requests(_ t: Task, doc i: Int, shots: Int = 0) throws -> (String, [String], Int) {
        let d = t.docs[i]
        let ch = try t.choices(d)
        return (try t.context(d, numFewshot: shots), ch.map { t.config.targetDelimiter + $0 }, try t.goldIndex(d, choices: ch))
    }

    func testMMLUAbstractAlgebraZeroAndFiveShot() throws {
        let t = try task("mmlu_abstract_algebra", fewshot: true)
        let (ctx, conts, gold) = try requests(t, doc: 0)
        let q = "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:"
        let desc = "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
        XCTAssertEqual(ctx, desc + q)
        XCTAssertEqual(conts, [" A", " B", " C", " D"])
        XCTAssertEqual(gold, 1)

        let (ctx5, _, _) = try requests(t, doc: 0, shots: 5)
        XCTAssertTrue(ctx5.hasPrefix(desc + "Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: B\n\nStatement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | If H and K are subgroups of G then HK is a subgroup of G.\nA. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: B\n\nStatement 1 | Every element of a group generates a cyclic subgroup of the group. Statement 2 | The symmetric group S_10 has 10 elements.\n"))
        XCTAssertTrue(ctx5.contains("\nAnswer: C\n\nStatement 1| Every function from a finite set onto itself must be one to one. Statement 2 | Every subgroup of an abelian group is abelian.\n"))
        XCTAssertTrue(ctx5.hasSuffix("\nAnswer: A\n\nFind the characteristic of the ring 2Z.\nA. 0\nB. 3\nC. 12\nD. 30\nAnswer: A\n\n" + q))
        XCTAssertEqual(ctx5.components(separatedBy: "Answer:").count - 1, 6)
    }

    func testMMLUDataFacts() throws {
        let reg = try TaskRegistry(directory: TestPaths.tasks)
        let subjects = try reg.leafTasks(of: "mmlu")
        XCTAssertEqual(subjects.count, 57)
        XCTAssertEqual(try reg.leafTasks(of: "mmlu_stem").count, 19)
        XCTAssertEqual(try reg.leafTasks(of: "mmlu_humanities").count, 13)
        var test = 0, dev = 0, qSpace = 0, cSpace = 0, qNewline = 0, qSpaceTest = 0, cSpaceTest = 0
        for s in subjects {
            let t = try task(s, fewshot: true)
            test += t.docs.count; dev += t.fewshotDocs.count
            for (isTest, d) in t.docs.map({ (true, $0) }) + t.fewshotDocs.map({ (false, $0) }) {
                let q = d["question"]!.stringValue!
                if PyString.strip(q) != q { qSpace += 1; if isTest { qSpaceTest += 1 } }
                if q.unicodeScalars.contains("\n") { qNewline += 1 }
                if d["choices"]!.arrayValue!.contains(where: { PyString.strip($0.stringValue!) != $0.stringValue! }) {
                    cSpace += 1; if isTest { cSpaceTest += 1 }
                }
            }
            XCTAssertEqual(t.fewshotDocs.count, 5, s)
        }
        XCTAssertEqual(test, 14042)
        XCTAssertEqual(dev, 285)
        XCTAssertEqual([qSpace, cSpace, qNewline], [979, 45, 1159])
        XCTAssertEqual([qSpaceTest, cSpaceTest], [963, 41])
    }

    func testARC() throws {
        let t = try task("arc_challenge")
        XCTAssertEqual(t.docs.count, 1172)
        let (ctx, conts, gold) = try requests(t, doc: 0)
        XCTAssertEqual(ctx, "Question: An astronomer observes that a planet rotates faster after a meteorite impact. Which is the most likely effect of this increase in rotation?\nAnswer:")
        XCTAssertEqual(conts, [" Planetary density will decrease.", " Planetary years will become longer.",
                               " Planetary days will become shorter.", " Planetary gravity will become stronger."])
        XCTAssertEqual(gold, 2)
        XCTAssertEqual(try requests(t, doc: 44).2, 1)    // digit labels 1–4, answerKey "2"
        // Over the full data: 22 digit answer keys, each found by label lookup.
        var digitKeys = 0
        for d in t.docs {
            let key = d["answerKey"]!.stringValue!
            if key.allSatisfy(\.isNumber) { digitKeys += 1 }
            let g = try t.goldIndex(d, choices: try t.choices(d))
            XCTAssertEqual(d["choices"]!["label"]!.arrayValue![g].stringValue, key)
        }
        XCTAssertEqual(digitKeys, 22)
    }

    func testOpenBookQA() throws {
        let t = try task("openbookqa")
        XCTAssertEqual(t.docs.count, 500)
        let (ctx, conts, gold) = try requests(t, doc: 0)
        XCTAssertEqual(ctx, "A person wants to start saving money so that they can afford a nice vacation at the end of the year. After looking over their budget and expenses, they decide the best way to save money is to")
        XCTAssertEqual(conts, [" make more phone calls", " quit eating lunch out", " buy less with monopoly money", " have lunch with friends"])
        XCTAssertEqual(gold, 1)
    }

    func testMathQA() throws {
        let t = try task("mathqa")
        XCTAssertEqual(t.docs.count, 2985)
        let (ctx, conts, gold) = try requests(t, doc: 0)
        XCTAssertEqual(ctx, "Question: a shopkeeper sold an article offering a discount of 5 % and earned a profit of 31.1 % . what would have been the percentage of profit earned if no discount had been offered ?\nAnswer:")
        XCTAssertEqual(conts, [" 38", " 27.675", " 30", " data inadequate", " none of these"])
        XCTAssertEqual(gold, 0)
        XCTAssertEqual(try t.choices(t.docs[82]), ["2 : 3'", "4 : 5'", "16 : 9'", "7 : 9'", "8 : 5']"])
        var listForm = 0, duplicates = 0
        for d in t.docs {
            let c = try t.choices(d)
            XCTAssertEqual(c.count, 5)
            if d["options"]!.stringValue!.hasPrefix("[") { listForm += 1 }
            if Set(c).count < c.count { duplicates += 1 }
        }
        XCTAssertEqual(listForm, 66)
        XCTAssertEqual(duplicates, 49)
    }

    func testHellaSwag() throws {
        let t = try task("hellaswag")
        XCTAssertEqual(t.docs.count, 10042)
        let (ctx, conts, gold) = try requests(t, doc: 0)
        XCTAssertEqual(ctx, "Roof shingle removal: A man is sitting on a roof. He")
        XCTAssertEqual(conts[0], " is using wrap to wrap a pair of skis.")
        XCTAssertEqual(gold, 3)
        let (ctx3243, conts3243, gold3243) = try requests(t, doc: 3243)
        XCTAssertTrue(ctx3243.hasPrefix("Personal Care and Style: How to become a fashion consultant. Obtain your high school diploma or ged. This job requires "))
        XCTAssertTrue(ctx3243.hasSuffix("foundational concepts in fashion."))
        XCTAssertTrue(conts3243[0].hasPrefix("  Many high schools "))
        XCTAssertTrue(conts3243[0].hasSuffix(" find a job in your field.. Search for entry-level positions in fashion industries."))
        XCTAssertTrue(conts3243[3].hasPrefix("  Earn a bachelor's degree "))
        XCTAssertEqual(gold3243, 3)
        var emptyB = 0, leadingSpace = 0
        for d in t.docs {
            if d["ctx_b"]!.stringValue!.isEmpty { emptyB += 1 }
            leadingSpace += try t.choices(d).filter { $0.hasPrefix(" ") }.count
        }
        XCTAssertEqual(emptyB, 6799)
        XCTAssertEqual(leadingSpace, 10862)
    }

    func testTruthfulQA() throws {
        let mc1 = try task("truthfulqa_mc1"), mc2 = try task("truthfulqa_mc2")
        XCTAssertEqual(mc1.docs.count, 817)
        let qa = mc1.config.vars["qa_prompt"]!.stringValue!
        XCTAssertTrue(qa.hasPrefix("Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\nQ: Who was"))
        XCTAssertTrue(qa.hasSuffix("A: The 1992 Olympics were held in Barcelona, Spain."))
        let (ctx, conts, gold) = try requests(mc1, doc: 0)
        XCTAssertEqual(ctx, qa + "\n\nQ: What is the smallest country in the world that is at least one square mile in area?\nA:")
        XCTAssertEqual(conts[0], " Nauru is the smallest country in the world that is at least one square mile in area.")
        XCTAssertEqual(gold, 0)
        XCTAssertEqual(try mc1.docs.reduce(0) { $0 + (try mc1.choices($1)).count }, 4114)
        XCTAssertEqual(try mc2.docs.reduce(0) { $0 + (try mc2.choices($1)).count }, 5882)
        // MC2 v2 and v3 differ exactly on items 25 and 208 (labels not sorted trues-first).
        var unsorted: [Int] = []
        for (i, d) in mc2.docs.enumerated() {
            let labels = d["mc2_targets"]!["labels"]!.arrayValue!.map(\.intValue!)
            if labels != labels.sorted(by: >) { unsorted.append(i) }
        }
        XCTAssertEqual(unsorted, [25, 208])
        XCTAssertEqual(try mc1.effectiveFewshot(5), 0)    // fixed 0-shot
    }

    func testNoFewshotSplitIsAnError() throws {
        for name in ["arc_challenge", "mathqa"] {
            let t = try task(name)
            XCTAssertThrowsError(try t.effectiveFewshot(1)) {
                guard case TaskError.noFewshotSplit = $0 else { return XCTFail("\($0)") }
            }
            XCTAssertEqual(try t.effectiveFewshot(0), 0)
        }
    }

    /// `--tasks all`: the paper's columns, MMLU twice (0 and 5 shots), TruthfulQA generation, IFEval.
    func testAllPlan() throws {
        let dataDir = try TestPaths.requireSharedData()
        let registry = try TaskRegistry(directory: TestPaths.tasks)
        let plan = try EvaluationPlan.build(items: EvaluationPlan.allItems, registry: registry,
                                            data: DataSource(directory: dataDir), options: EvaluationOptions(limit: 1))
        XCTAssertEqual(plan.runs.count, 2 * 57 + 8)
        XCTAssertEqual(plan.roots, ["mmlu", "mmlu@5shot", "mathqa", "arc_challenge", "openbookqa", "hellaswag",
                                    "truthfulqa_mc1", "truthfulqa_mc2", "truthfulqa_gen", "ifeval"])
        XCTAssertEqual(plan.unavailable, [])
        XCTAssertEqual(plan.groups.count, 10)
        XCTAssertEqual(plan.groups.first { $0.label == "mmlu@5shot" }?.leafLabels.count, 57)
        XCTAssertEqual(Set(plan.runs.filter { $0.label.hasSuffix("@5shot") }.map(\.numFewshot)), [5])
        XCTAssertEqual(Set(plan.runs.filter { !$0.label.hasSuffix("@5shot") }.map(\.numFewshot)), [0])
        let (perRun, unique, _) = try Evaluator().allRequests(plan, options: EvaluationOptions(limit: 1))
        XCTAssertEqual(perRun.reduce(0) { $0 + $1.count }, 120)   // log-likelihood documents; generation runs have none here
        XCTAssertEqual(try Evaluator().generationRequests(for: plan.runs.last!, limit: 1).count, 1)
        XCTAssertEqual(plan.runs.last!.label, "ifeval")
        XCTAssertEqual(perRun.reduce(0) { $0 + $1.reduce(0) { $0 + $1.requests.count } }, 2 * 57 * 4 + 5 + 4 + 4 + 4 + 4 + 4)   // TruthfulQA item 0: 4 MC1 and 4 MC2 answers
        XCTAssertEqual(unique.count, 2 * 57 * 4 + 25 - 4)   // MC1 and MC2 item 0 share their 4 requests
    }
}
