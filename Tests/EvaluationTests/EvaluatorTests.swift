import XCTest
@testable import Evaluation

/// The Evaluator on the small fixture tasks with a fake model whose scores are set by hand.
final class EvaluatorTests: XCTestCase {
    var registry: TaskRegistry!
    var data: DataSource!

    override func setUpWithError() throws {
        registry = try TaskRegistry(directory: TestPaths.fixtures.appendingPathComponent("yaml"))
        data = DataSource(directory: TestPaths.fixtures.appendingPathComponent("data"), hasher: nil)
    }

    func handScoredModel() -> FakeLanguageModel {
        let m = FakeLanguageModel()
        m.fixed = [" no": -2, " yes!": -3, " a": -1, " bb": -1.5, " ccc": -0.5, " same": -1, " p": -1, " q": -2,
                   " m": -1, " n": -2]
        return m
    }

    func plan(_ names: [String], _ options: EvaluationOptions) throws -> EvaluationPlan {
        try EvaluationPlan.build(items: names.map { EvaluationPlan.Item(name: $0) }, registry: registry, data: data, options: options)
    }

    func testHandComputedMetricsAndGroupAggregation() throws {
        let options = EvaluationOptions()
        let p = try plan(["tiny"], options)
        XCTAssertEqual(p.runs.map(\.label), ["tiny_a", "tiny_b"])
        let model = handScoredModel()
        let report = try Evaluator().run(p, model: model, options: options)
        XCTAssertEqual(model.calls, 1)                          // one call for the whole plan
        XCTAssertEqual(report.requestCount, 13)
        XCTAssertEqual(report.uniqueRequestCount, 12)           // doc 2's two " same" requests are one
        let a = report.task("tiny_a")!, b = report.task("tiny_b")!
        XCTAssertEqual(a.metrics.map(\.name), ["acc", "acc_norm"])
        XCTAssertEqual(a.metrics[0].value, 0.25)
        XCTAssertEqual(a.metrics[0].stderr!, 0.25, accuracy: 1e-15)
        XCTAssertEqual(a.metrics[1].value, 0.5)
        XCTAssertEqual(a.samples.map(\.prediction), [0, 2, 0, 0])
        XCTAssertEqual(a.samples.map(\.predictionNorm), [1, 2, 0, 0])
        XCTAssertEqual(b.metrics[0].value, 0.5)
        let g = report.group("tiny")!
        XCTAssertEqual(g.samples, 6)
        XCTAssertEqual(g.metrics.map(\.name), ["acc"])
        XCTAssertEqual(g.metrics[0].value, 2.0 / 6.0, accuracy: 1e-15)
        XCTAssertEqual(g.metrics[0].stderr!, (1.25 / 24).squareRoot(), accuracy: 1e-15)
    }

    func testContextsFewshotAndLimit() throws {
        var options = EvaluationOptions(limit: 2, numFewshot: 1)
        let p = try plan(["tiny_a"], options)
        let docs = try Evaluator().requests(for: p.runs[0], limit: options.limit)
        XCTAssertEqual(docs.count, 2)
        XCTAssertEqual(docs[0].context, "Desc.\n\nQ: shot one\nA: t1\n\nQ: first\nA:")
        XCTAssertEqual(docs[0].requests.map(\.continuation), [" no", " yes!"])
        XCTAssertEqual(docs[1].context, "Desc.\n\nQ: shot one\nA: t1\n\nQ: second\nA:")
        options.numFewshot = 0
        let d0 = try Evaluator().requests(for: try plan(["tiny_a"], options).runs[0], limit: 0.5)
        XCTAssertEqual(d0.count, 2)                              // fraction: ceil(0.5 · 4)
        XCTAssertEqual(d0[0].context, "Desc.\n\nQ: first\nA:")   // description even at 0 shots
        options.numFewshot = 3                                    // dev has 2 rows
        XCTAssertThrowsError(try Evaluator().requests(for: try plan(["tiny_a"], options).runs[0], limit: nil))
    }

    func testFewshotOnATaskWithoutFewshotSplitIsAnError() throws {
        XCTAssertThrowsError(try plan(["tiny_nofewshot"], EvaluationOptions(numFewshot: 2))) {
            XCTAssertTrue("\($0)".contains("no few-shot split"), "\($0)")
        }
        let p = try plan(["tiny_nofewshot"], EvaluationOptions(numFewshot: 0))
        let docs = try Evaluator().requests(for: p.runs[0], limit: nil)
        XCTAssertEqual(docs.map(\.gold), [0, 1])                 // "{{['x','y','z'].index(key)}}" → int
    }

    func testMalformedRowNamesFileAndRow() throws {
        XCTAssertThrowsError(try plan(["tiny_badrows"], EvaluationOptions())) { e in
            XCTAssertEqual(e as? DataError, .malformedRow(path: "tiny/bad.csv", row: 2,
                                                          message: "answer must be one of A, B, C, D, found 'E'"))
        }
    }

    func testChecksumsAreVerified() throws {
        let good = DataSource(directory: data.directory, hasher: { _ in String(repeating: "0", count: 64) })
        var cfg = registry.tasks["tiny_b"]!
        cfg.splits["test"]!.sha256 = String(repeating: "0", count: 64)
        XCTAssertNoThrow(try Task.load(cfg, data: good, needFewshot: false))
        cfg.splits["test"]!.sha256 = String(repeating: "1", count: 64)
        XCTAssertThrowsError(try Task.load(cfg, data: good, needFewshot: false)) {
            XCTAssertEqual($0 as? DataError, .checksumMismatch(path: "tiny/b.jsonl", expected: String(repeating: "1", count: 64),
                                                              actual: String(repeating: "0", count: 64)))
        }
        cfg.splits["test"]!.path = "tiny/absent.jsonl"
        XCTAssertThrowsError(try Task.load(cfg, data: good, needFewshot: false)) {
            guard case DataError.missingFile(let p, _)? = $0 as? DataError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, "tiny/absent.jsonl")
        }
    }

    func testRealSHA256Verification() throws {
        let real = DataSource(directory: data.directory)          // the Store's SHA-256
        XCTAssertTrue(real.verifiesChecksums)
        var cfg = registry.tasks["tiny_b"]!
        cfg.splits["test"]!.sha256 = "4291dfd55052bdfc8a519bcdff890137ad0d01b8f47371f5a5701cf61965c1b6"   // sha256sum
        let t = try Task.load(cfg, data: real, needFewshot: false)
        XCTAssertEqual(t.dataFiles["tiny/b.jsonl"], "4291dfd55052bdfc8a519bcdff890137ad0d01b8f47371f5a5701cf61965c1b6")
        cfg.splits["test"]!.sha256 = "4291dfd55052bdfc8a519bcdff890137ad0d01b8f47371f5a5701cf61965c1b7"
        XCTAssertThrowsError(try Task.load(cfg, data: DataSource(directory: data.directory), needFewshot: false))
    }

    func testUnknownTaskIsAnError() {
        XCTAssertThrowsError(try plan(["nope"], EvaluationOptions())) {
            guard case TaskConfigError.unknownTask("nope", _)? = $0 as? TaskConfigError else { return XCTFail("\($0)") }
        }
    }

    func testResultsJSONShapeSamplesAndTable() throws {
        let options = EvaluationOptions(logSamples: true)
        let model = handScoredModel()
        model.truncateContextsLongerThan = 12
        let report = try Evaluator().run(try plan(["tiny"], options), model: model, options: options)
        let prov = Provenance(gitCommit: "abc", modelPath: "/m", modelIdentity: "fake", dataDirectory: "/d", checksumsVerified: false)
        let json = ResultsWriter.resultsJSON(report, provenance: prov)
        XCTAssertEqual(json.objectValue!.keys, ["results", "groups", "group_subtasks", "configs", "versions", "n-shot",
                                                "higher_is_better", "n-samples", "provenance"])
        XCTAssertEqual(json["results"]!.objectValue!.keys, ["tiny", "tiny_a", "tiny_b"])
        XCTAssertEqual(json["results"]!["tiny_a"]!["acc,none"], .double(0.25))
        XCTAssertEqual(json["results"]!["tiny_a"]!["acc_stderr,none"], .double(0.25))
        XCTAssertEqual(json["results"]!["tiny_a"]!["alias"], .string(" - tiny_a"))
        XCTAssertEqual(json["group_subtasks"]!["tiny"], .array([.string("tiny_a"), .string("tiny_b")]))
        XCTAssertEqual(json["n-samples"]!["tiny_b"], .object(JSONObject([("original", .int(2)), ("effective", .int(2))])))
        XCTAssertEqual(json["versions"]!["tiny"], .int(2))
        XCTAssertEqual(json["provenance"]!["options"]!["mc2"], .string("v2"))
        XCTAssertEqual(json["provenance"]!["truncation"]!["tiny_b"]!["requests"], .int(4))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try ResultsWriter.write(report, provenance: prov, to: dir)
        XCTAssertEqual(files.count, 4)   // results json + md + 2 sample files
        let reread = try JSONValue.parse(String(contentsOf: files[0], encoding: .utf8))
        XCTAssertEqual(reread["results"], json["results"])
        let lines = try String(contentsOf: files[2], encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        let s0 = try JSONValue.parse(String(lines[0]))
        XCTAssertEqual(s0["doc_id"], .int(0))
        XCTAssertEqual(s0["arguments"]!["gen_args_1"]!["arg_1"], .string(" yes!"))
        XCTAssertEqual(s0["loglikelihoods"], .array([.double(-2), .double(-3)]))
        XCTAssertEqual(s0["prediction"], .int(0))
        XCTAssertEqual(s0["gold"], .int(1))
        XCTAssertEqual(s0["acc"], .double(0))
        // Hashes as lm-eval: sha256 of json.dumps(doc, indent=2, ensure_ascii=False), of the context, of str(target).
        XCTAssertEqual(s0["doc_hash"], .string("649470fe21541841698829f2b62463d5352f70f1fe6d2b10d967b626d456b4f8"))
        XCTAssertEqual(s0["prompt_hash"], .string("8b98e04b3b18e9b07016bcabb80adf18689be7bf1c1a577cf4cba4f5491e265c"))
        XCTAssertEqual(s0["target_hash"], .string("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"))
        XCTAssertEqual(s0["resps"]!.arrayValue![0], .array([.array([.string("-2.0"), .string("False")])]))

        let table = ResultsWriter.markdownTable(report)
        XCTAssertTrue(table.contains("|tiny     |      2|none  |      |acc     |↑|0.3333|±|0.2282|"), table)
        XCTAssertTrue(table.contains("| - tiny_a|"), table)
    }

    /// Issue 21 item 5: `--limit` nan / inf / 1e300 trapped the Double → Int conversion.
    func testLimitedCountNeverTraps() throws {
        let cfg = registry.tasks["tiny_nofewshot"]!
        let task = Task(config: cfg, docs: (0..<10).map { _ in JSONObject([]) })
        XCTAssertEqual(task.limitedCount(nil), 10)
        XCTAssertEqual(task.limitedCount(3), 3)
        XCTAssertEqual(task.limitedCount(3.7), 3, "lm-eval: int(limit)")
        XCTAssertEqual(task.limitedCount(0.25), 3, "lm-eval: ceil(n * fraction)")
        XCTAssertEqual(task.limitedCount(1e300), 10)
        XCTAssertEqual(task.limitedCount(.infinity), 10)
        XCTAssertEqual(task.limitedCount(.nan), 0)
        XCTAssertEqual(task.limitedCount(-1), 0)
    }

    func testFixedZeroShotTasksIgnoreTheCLIValue() throws {
        var cfg = registry.tasks["tiny_nofewshot"]!
        cfg.numFewshotFixed = true
        XCTAssertEqual(try Task(config: cfg, docs: []).effectiveFewshot(5), 0)
    }

    func testRegistryIncludeAndTags() throws {
        XCTAssertEqual(registry.tags["tiny_tasks"], ["tiny_a", "tiny_b"])
        XCTAssertEqual(registry.tasks["tiny_a"]!.description.source, "Desc.\n\n")   // from the include
        XCTAssertEqual(try registry.leafTasks(of: "tiny"), ["tiny_a", "tiny_b"])
        // The shipped task set loads: 57 MMLU subjects, 5 groups, the MC tasks, and the later ones.
        let shipped = try TaskRegistry(directory: TestPaths.tasks)
        XCTAssertEqual(shipped.tasks.keys.filter { $0.hasPrefix("mmlu_") }.count, 57)
        XCTAssertEqual(Set(shipped.groups.keys), ["mmlu", "mmlu_stem", "mmlu_other", "mmlu_social_sciences", "mmlu_humanities"])
        XCTAssertEqual(shipped.tasks["ifeval"]?.status, "available")   // scored by IFEvalScorer.processResults
        XCTAssertEqual(shipped.tasks["ifeval"]?.processResults, "ifeval")
        XCTAssertEqual(shipped.tasks["truthfulqa_mc2"]?.processResults, "mc2")
    }
}

final class EvaluatorMC2Tests: XCTestCase {
    /// MC2 through the evaluator with hand-set scores, under both rules, and the NaN warning.
    func testMC2ThroughTheEvaluator() throws {
        let yaml = """
        task: tiny_mc2
        dataset:
          splits:
            validation: {path: tiny/mc.json, format: json, schema: truthfulqa_mc}
        test_split: validation
        num_fewshot: 0
        doc_to_text: "Q: {{question}}\\nA:"
        doc_to_choice: "{{mc2_targets.choices}}"
        doc_to_target: 0
        process_results: mc2
        metric_list:
          - {metric: acc, aggregation: mean, higher_is_better: true}
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-mc2-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("yaml"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data/tiny"), withIntermediateDirectories: true)
        try yaml.write(to: dir.appendingPathComponent("yaml/tiny_mc2.yaml"), atomically: true, encoding: .utf8)
        // Choice keys in file order, labels unsorted (true, false, true): v2 and v3 differ.
        let json = #"[{"question": "q1", "mc1_targets": {"t": 1, "f": 0}, "mc2_targets": {"T1": 1, "F": 0, "T2": 1}},"# +
                   #" {"question": "q2", "mc1_targets": {"t": 1}, "mc2_targets": {"U": 1, "V": 0}}]"#
        try json.write(to: dir.appendingPathComponent("data/tiny/mc.json"), atomically: true, encoding: .utf8)
        let registry = try TaskRegistry(directory: dir.appendingPathComponent("yaml"))
        let data = DataSource(directory: dir.appendingPathComponent("data"), hasher: nil)
        let model = FakeLanguageModel()
        model.fixed = [" T1": log(0.2), " F": log(0.5), " T2": log(0.3), " U": -1e4, " V": -1e4]
        for (variant, expected) in [(MC2Variant.v2, 0.2), (.v3, 0.5)] {
            let options = EvaluationOptions(mc2Variant: variant)
            let plan = try EvaluationPlan.build(items: [.init(name: "tiny_mc2")], registry: registry, data: data, options: options)
            let report = try Evaluator().run(plan, model: model, options: options)
            let t = report.task("tiny_mc2")!
            XCTAssertEqual(t.samples[0].choices, ["T1", "F", "T2"])
            XCTAssertEqual(t.samples[0].metrics[0].1, expected, accuracy: 1e-12)
            XCTAssertTrue(t.samples[1].metrics[0].1.isNaN)          // every exp underflows
            XCTAssertTrue(t.metrics[0].value.isNaN)
            XCTAssertEqual(t.warnings.count, 1)
        }
    }
}
