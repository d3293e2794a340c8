import Checkpoints
@testable import Experiments
import Foundation
import XCTest

/// The real runner end to end on a tiny Llama (random weights, the qwen2-mini test tokenizer with
/// its ChatML template), tiny LIMA-format data and the evaluator's tiny multiple-choice task: two
/// cells (Baseline-SFT and TF-IDF GO) trained for 2 steps, scored, stored; a training stopped after
/// step 1 resumes from the trainer's checkpoint without the finished cell being touched again.
final class TrainerRunnerTests: XCTestCase {
    static let root = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures")

    /// models/tiny-llama (config, random f32 weights, tokenizer) and data/lima/lima.jsonl under `dir`.
    func makeFixture(_ dir: URL) throws {
        let model = dir.appendingPathComponent("models/tiny-llama")
        let config = LlamaConfig(vocabSize: 1216, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2,
                                 numAttentionHeads: 4, numKeyValueHeads: 2, rmsNormEps: 1e-5, maxPositionEmbeddings: 512,
                                 tieWordEmbeddings: true, bosTokenId: nil, eosTokenIds: [1201])
        var rng = SplitMix64(seed: 7)
        let tensors = HFCheckpoint.expectedLlamaShapes(config).map { name, shape in
            let n = shape.reduce(1, *)
            let values: [Float] = name.hasSuffix("norm.weight") ? [Float](repeating: 1, count: n)
                : (0..<n).map { _ in Float(rng.uniform() - 0.5) * 0.1 }
            return NamedTensor(name: name, shape: shape, values: values)
        }
        try HFCheckpoint.save(config: config, tensors: tensors, directory: model)
        for f in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent("tokenizers/qwen2-mini/\(f)"),
                                             to: model.appendingPathComponent(f))
        }
        let rows = ["What is the capital of France?", "Name a prime number.", "Say hello politely.",
                    "Give a colour of the sky.", "Count to three.", "What do bees make?"]
        let answers = ["The capital of France is Paris.", "Seven is a prime number.", "Hello, it is nice to meet you.",
                       "The sky is usually blue.", "One, two, three.", "Bees make honey and wax."]
        let lines = zip(rows, answers).map { q, a in
            JSONValue.object(JSONObject([("conversations", .array([.string(q), .string(a)]))])).serialized()
        }
        let data = dir.appendingPathComponent("data/lima")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: data.appendingPathComponent("lima.jsonl"), atomically: true, encoding: .utf8)
        try """
        experiment: runner
        kind: main
        title: Real runner on a tiny model
        dataset: lima
        paper_tables: [1]
        methods:
          - {id: baseline-sft, label: Baseline-SFT, objective: sft}
          - {id: tf-idf, label: TF-IDF, objective: go, grouping: tfidf}
        settings:
          llama-3.2-3b:
            tf-idf: {eta: 0.8, lambda: 0.9}
        """.write(to: dir.appendingPathComponent("runner.yaml"), atomically: true, encoding: .utf8)
        try """
        profiles:
          tiny:
            description: Two cells, two steps each.
            seeds: [1]
            models:
              - {id: tiny, label: Tiny-Llama, path: tiny-llama, fetch: "-", settings_from: llama-3.2-3b}
            datasets:
              lima:
                subset: {first: 4}
                training: {max_steps: 2, learning_rate: 1.0e-3, per_device_train_batch_size: 2, cutoff_len: 128,
                           save_steps: 1, lr_scheduler_type: cosine}
            evaluation: {tasks: tiny_a, limit: 3}
        """.write(to: dir.appendingPathComponent("profiles.yaml"), atomically: true, encoding: .utf8)
    }

    /// Counts the calls reaching the real runner.
    final class Counting: CellRunner {
        let inner: TrainerRunner
        var trained: [String] = [], evaluated: [String] = []
        init(_ inner: TrainerRunner) { self.inner = inner }
        var name: String { inner.name }
        func unavailability(of cell: Cell) -> Unavailability? { inner.unavailability(of: cell) }
        func train(_ cell: Cell, work: URL, reference: URL?, log: URL, progress: @escaping (CellProgress) -> Void) throws -> TrainOutcome {
            trained.append(cell.id)
            return try inner.train(cell, work: work, reference: reference, log: log, progress: progress)
        }
        func evaluate(_ cell: Cell, checkpoint: URL, samples: URL, log: URL, progress: @escaping (CellProgress) -> Void) throws -> EvalOutcome {
            evaluated.append(cell.id)
            return try inner.evaluate(cell, checkpoint: checkpoint, samples: samples, log: log, progress: progress)
        }
        func estimate(_ cell: Cell) -> CellEstimate? { nil }
    }

    func steps(_ url: URL) throws -> [JSONValue] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    func testTwoCellSweepTrainsEvaluatesAndResumes() throws {
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try makeFixture(dir)
        let spec = try ExperimentSpec.load(dir.appendingPathComponent("runner.yaml"))
        let cells = try Grid.expand(spec, profile: try spec.profiles.profile("tiny"))
        XCTAssertEqual(cells.map(\.id), ["tiny.baseline-sft.s1", "tiny.tf-idf.eta80.lam0.9.s1"])
        let loc = Locations(modelsDirectory: dir.appendingPathComponent("models"), dataDirectory: dir.appendingPathComponent("data"))
        let tasks = Self.root.appendingPathComponent("evaluation/tasks")
        let real = TrainerRunner(locations: loc, tasksDirectory: tasks.appendingPathComponent("yaml"),
                                 evalDataDirectory: tasks.appendingPathComponent("data"))
        XCTAssertNil(real.unavailability(of: cells[1]))
        XCTAssertNil(real.estimate(cells[0]), "nothing measured yet")
        let store = ResultStore(root: dir.appendingPathComponent("results"))

        // First run: the GO cell is stopped after its first step (as a kill would leave it).
        real.stopAfter = [cells[1].id: 1]
        let first = try LocalExecutor(store: store, runner: real, locations: loc, gitCommit: "test").run(cells)
        XCTAssertEqual(first.failed, 1)
        XCTAssertEqual(try store.record(cells[0].id)?.status, .done)
        let go = store.workDirectory(of: cells[1].id)
        XCTAssertEqual(try steps(go.appendingPathComponent("steps.jsonl")).map { $0["step"]?.intValue }, [1])
        XCTAssertTrue(FileManager.default.fileExists(atPath: go.appendingPathComponent("trainer/checkpoint-1").path))

        // Second run: only the stopped cell works, continuing at step 2.
        real.stopAfter = [:]
        let counting = Counting(real)
        let ex = LocalExecutor(store: store, runner: counting, locations: loc, gitCommit: "test")
        ex.retryFailed = true
        let second = try ex.run(cells)
        XCTAssertEqual(second.skippedDone, 1)
        XCTAssertEqual(second.failed, 0)
        XCTAssertEqual(counting.trained, [cells[1].id])
        XCTAssertEqual(counting.evaluated, [cells[1].id])

        for c in cells {
            let rec = try XCTUnwrap(try store.record(c.id))
            XCTAssertEqual(rec.status, .done, c.id)
            XCTAssertEqual(rec.provenance["steps"]?.intValue, 2)
            XCTAssertEqual(rec.provenance["examples"]?.intValue, 4)
            XCTAssertEqual(rec.provenance["model_sha256"]?.stringValue?.count, 64)
            XCTAssertEqual(rec.provenance["data_sha256"]?.stringValue?.count, 64)
            let st = try steps(store.workDirectory(of: c.id).appendingPathComponent("steps.jsonl"))
            XCTAssertEqual(st.map { $0["step"]?.intValue }, [1, 2], c.id)
            XCTAssertTrue(st.allSatisfy { ($0["ce_all"]?.doubleValue ?? .nan).isFinite }, c.id)
            let res = try XCTUnwrap(try store.results(c.id))
            let acc = try XCTUnwrap(res["results"]?["tiny_a"]?["acc,none"]?.doubleValue, c.id)
            XCTAssert((0...1).contains(acc))
            let samples = try steps(store.samplesDirectory(of: c.id).appendingPathComponent("samples_tiny_a.jsonl"))
            XCTAssertEqual(samples.map { $0["doc_id"]?.intValue }, [0, 1, 2])
            // The reported accuracy is the mean of the logged items.
            XCTAssertEqual(samples.compactMap { $0["acc"]?.doubleValue }.reduce(0, +) / 3, acc, accuracy: 1e-12)
        }
        // The report's caption says what the subset left to train on, from the cells' run.json.
        let p0 = try XCTUnwrap(try store.record(cells[0].id)).provenance
        let ctx = ReportContext(spec: spec, profile: try spec.profiles.profile("tiny"),
                                aggregation: try Aggregation.collect(cells: cells, store: store), paper: [:], store: store, cells: cells)
        let facts = "Trained on 4 examples, \(try XCTUnwrap(p0["loss_tokens"]?.intValue)) loss tokens (of "
            + "\(try XCTUnwrap(p0["data_rows"]?.intValue)) rows, \(try XCTUnwrap(p0["rows_skipped_cutoff"]?.intValue)) skipped "
            + "as longer than cutoff_len or without loss tokens)."
        XCTAssertTrue(ctx.caption(columns: []).contains(facts), ctx.caption(columns: []))
        // The GO cell resumed from step 1, trained with its masks and λ, and differs from SFT.
        let goRec = try XCTUnwrap(try store.record(cells[1].id))
        XCTAssertEqual(goRec.provenance["resumed_from_step"]?.intValue, 1)
        XCTAssertEqual(goRec.provenance["objective"]?.stringValue, "go")
        let imp = try XCTUnwrap(goRec.provenance["important_fraction"]?.doubleValue)
        // Both groups non-empty (TF-IDF ties on these short rows put more than 1 − η at or above the cut).
        XCTAssert(imp > 0 && imp < 1, "\(imp)")
        let goSteps = try steps(go.appendingPathComponent("steps.jsonl"))
        XCTAssertEqual(goSteps.compactMap { $0["lambda"]?.doubleValue }, [0.9, 0.9])
        XCTAssertTrue(goSteps.allSatisfy { $0["ce_imp"]?.doubleValue != nil && $0["ce_unimp"]?.doubleValue != nil })
        let sftW = try Data(contentsOf: store.workDirectory(of: cells[0].id).appendingPathComponent("checkpoint/model.safetensors"))
        let goW = try Data(contentsOf: go.appendingPathComponent("checkpoint/model.safetensors"))
        XCTAssertNotEqual(sftW, goW)
        // Measured speed now gives estimates: 2 steps at the measured rate, plus the set-up around the
        // steps of the last cell that trained from scratch (the resumed GO cell records none), plus the
        // measured evaluation.
        let est = try XCTUnwrap(real.estimate(cells[0]))
        let speed = try XCTUnwrap(try JSONValue.load(dir.appendingPathComponent("data/.sftgo/runner-speed.json")).objectValue)
        let stepKey = try XCTUnwrap(speed.pairs.map(\.0).first { $0.hasPrefix("train|tiny-llama|batch 2|cutoff 128") })
        let setupKey = try XCTUnwrap(speed.pairs.map(\.0).first { $0.hasPrefix("setup|tiny-llama|batch 2|cutoff 128") })
        let setup = try XCTUnwrap(speed[setupKey]?["seconds"]?.doubleValue)
        XCTAssert(setup > 0, "set-up \(setup) s")
        XCTAssertEqual(est.trainSeconds, 2 * (speed[stepKey]?["seconds"]?.doubleValue ?? -1) + setup, accuracy: 1e-9)
        XCTAssert(est.evalSeconds > 0 && est.basis.contains("measured here"))
        // Optimiser checkpoints are gone once the Hugging Face folder is written.
        XCTAssertFalse(FileManager.default.fileExists(atPath: go.appendingPathComponent("trainer/checkpoint-2").path))
    }

    func testUnavailableMethodsSayWhy() throws {
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try ExperimentSpec.load(Fixtures.experiments.appendingPathComponent("lima.yaml"))
        let cells = try Grid.expand(spec, profile: try spec.profiles.profile("quick"))
        let loc = Locations(modelsDirectory: dir, dataDirectory: dir)
        let runner = TrainerRunner(locations: loc)
        let ling = try XCTUnwrap(cells.first { $0.method.id == "llmlingua-2" })
        let u = try XCTUnwrap(runner.unavailability(of: ling))
        XCTAssertTrue(u.reason.contains("lacks config.json"), u.reason)
        XCTAssertTrue(u.fetch?.contains("sftgo model fetch microsoft/llmlingua-2") == true)
        for id in ["baseline-sft", "rho-1", "tf-idf", "dft", "eaft", "token-cleaning", "self-information", "go-rho1"] {
            let c = try XCTUnwrap(cells.first { $0.method.id == id })
            XCTAssertNil(runner.unavailability(of: c), id)
        }
        var odd = ling
        odd.method.grouping = "attention"
        XCTAssertTrue(try XCTUnwrap(runner.unavailability(of: odd)).reason.contains("not implemented"))
    }
}
