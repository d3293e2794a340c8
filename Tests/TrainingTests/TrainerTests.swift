import XCTest
@testable import Training

final class TrainerTests: XCTestCase {
    func testToyBackwardMatchesFiniteDifferences() throws {
        let m = ToyBigramModel(vocab: 5, seed: 3)
        let data = toyDataset(count: 3, vocab: 5, seed: 9)
        let stats = try m.forward(data.examples, entropyTopK: nil)
        let w: [Float] = (0..<stats.losses.count).map { Float(0.1 + 0.05 * Double($0)) }
        m.zeroGradients()
        try m.backward(weights: w)
        let p = m.params.map(Double.init)
        let pairs = ToyBigramModel.pairs(data.examples)
        func L(_ q: [Double]) -> Double { zip(ToyBigramModel.losses(q, vocab: 5, pairs: pairs), w).reduce(0) { $0 + $1.0 * Double($1.1) } }
        for i in stride(from: 0, to: p.count, by: 1) {
            var a = p, b = p
            a[i] += 1e-6; b[i] -= 1e-6
            let fd = (L(a) - L(b)) / 2e-6
            XCTAssertEqual(Double(m.grads[i]), fd, accuracy: 1e-5 * max(1, abs(fd)), "parameter \(i)")
        }
    }

    /// The trainer's accumulated gradient over k micro-batches is the gradient of the GO loss pooled
    /// over the whole batch (finite differences of that loss in Double).
    func testGOGradientPooledOverMicroBatchesMatchesFiniteDifferences() throws {
        let m = ToyBigramModel(vocab: 4, seed: 5)
        let data = toyDataset(count: 6, vocab: 4, seed: 2)
        var cfg = TrainerConfig()
        cfg.batchSize = 6; cfg.tokenBudget = 12; cfg.maxGradNorm = nil; cfg.learningRate = 0; cfg.shuffle = false
        let masks = ImportantMasks.random(fraction: 0.3, seed: 1)
        let t = try Trainer(model: m, dataset: data, config: cfg, objective: GOWeights(schedule: .constant(0.8)),
                            masks: masks, outputDirectory: nil)
        let r = try t.step(0)
        XCTAssertGreaterThan(r.microBatches, 2)
        let pairs = ToyBigramModel.pairs(data.examples)
        let imp = try data.examples.flatMap { try masks.mask(for: $0) }
        XCTAssertTrue(imp.contains(true) && imp.contains(false))
        func L(_ q: [Double]) -> Double {
            let l = ToyBigramModel.losses(q, vocab: 4, pairs: pairs)
            var s = [0.0, 0.0, 0.0], n = [0.0, 0.0, 0.0]
            for (x, i) in zip(l, imp) { s[0] += x; n[0] += 1; s[i ? 1 : 2] += x; n[i ? 1 : 2] += 1 }
            return 0.2 * s[0] / n[0] + 0.8 * max(s[1] / n[1], s[2] / n[2])
        }
        let p = m.params.map(Double.init)   // lr 0 and no decay: parameters unchanged
        XCTAssertEqual(L(p), r.loss, accuracy: 1e-5)
        for i in 0..<p.count {
            var a = p, b = p
            a[i] += 1e-6; b[i] -= 1e-6
            let fd = (L(a) - L(b)) / 2e-6
            XCTAssertEqual(Double(m.grads[i]), fd, accuracy: 1e-5 * max(1, abs(fd)), "parameter \(i)")
        }
    }

    /// "1 micro-batch of B = k micro-batches of B/k", over several AdamW steps of GO.
    func testOneMicroBatchEqualsManyMicroBatches() throws {
        func train(budget: Int) throws -> ([Float], [StepRecord]) {
            let m = ToyBigramModel(vocab: 6, seed: 11)
            var cfg = TrainerConfig()
            cfg.batchSize = 8; cfg.tokenBudget = budget; cfg.epochs = 2; cfg.learningRate = 0.05
            cfg.weightDecay = 0.1; cfg.warmupRatio = 0.2
            let t = try Trainer(model: m, dataset: toyDataset(count: 24, vocab: 6, seed: 4), config: cfg,
                                objective: GOWeights(schedule: .linearDecay(max: 0.9, min: 0.3)),
                                masks: .random(fraction: 0.4, seed: 7), outputDirectory: nil)
            return (m.params, try t.run())
        }
        let (one, r1) = try train(budget: 10_000)
        let (many, rk) = try train(budget: 16)
        XCTAssertTrue(r1.allSatisfy { $0.microBatches == 1 })
        XCTAssertTrue(rk.allSatisfy { $0.microBatches >= 4 })
        for (a, b) in zip(r1, rk) { XCTAssertEqual(a.loss, b.loss, accuracy: 1e-6 * abs(a.loss)) }
        var worst = 0.0
        for (a, b) in zip(one, many) { worst = max(worst, Double(abs(a - b)) / max(1e-3, Double(abs(a)))) }
        XCTAssertLessThan(worst, 1e-6)
    }

    /// The per-micro-batch variant is each micro-batch's own GO loss, averaged (PyTorch accumulation).
    func testPerMicroBatchVariant() throws {
        let m = ToyBigramModel(vocab: 4, seed: 5)
        let data = toyDataset(count: 6, vocab: 4, seed: 2)
        var cfg = TrainerConfig()
        cfg.batchSize = 6; cfg.tokenBudget = 12; cfg.learningRate = 0; cfg.shuffle = false; cfg.perMicroBatchLoss = true
        let masks = ImportantMasks.random(fraction: 0.3, seed: 1)
        let t = try Trainer(model: m, dataset: data, config: cfg, objective: GOWeights(schedule: .constant(0.8)),
                            masks: masks, outputDirectory: nil)
        let r = try t.step(0)
        let micro = Packing.microBatches(lengths: data.examples.map { $0.positions }, tokenBudget: 12)
        var expect = 0.0
        for mb in micro {
            let part = Array(data.examples[mb])
            let l = try m.forward(part, entropyTopK: nil).losses
            expect += GroupLoss(losses: l, important: try part.flatMap { try masks.mask(for: $0) }, lambda: 0.8).loss
        }
        XCTAssertEqual(r.loss, expect / Double(micro.count), accuracy: 1e-9)
    }

    /// "2N steps" equals "N steps, kill, resume, N steps" bit for bit, log lines included.
    func testResumeIsBitForBit() throws {
        var cfg = TrainerConfig()
        cfg.batchSize = 5; cfg.tokenBudget = 20; cfg.epochs = 3; cfg.learningRate = 0.03; cfg.weightDecay = 0.05
        cfg.warmupRatio = 0.1; cfg.maxGradNorm = 0.5
        let data = toyDataset(count: 17, vocab: 6, seed: 8)
        func trainer(_ dir: URL) throws -> (Trainer, ToyBigramModel) {
            let m = ToyBigramModel(vocab: 6, seed: 1)
            return (try Trainer(model: m, dataset: data, config: cfg, objective: GOWeights(schedule: .linearDecay(max: 0.9, min: 0.1)),
                                masks: .random(fraction: 0.5, seed: 3), outputDirectory: dir), m)
        }
        let dA = tempDirectory("A"), dB = tempDirectory("B")
        defer { try? FileManager.default.removeItem(at: dA); try? FileManager.default.removeItem(at: dB) }
        let (a, ma) = try trainer(dA)
        XCTAssertEqual(a.totalSteps, 12)
        try a.run()
        let (b1, _) = try trainer(dB)
        try b1.run(stopAfter: 7)          // epoch boundary crossed mid-way: 4 steps per epoch
        // Killed after two more steps were logged but before their checkpoint: resume redoes them.
        let extra = try String(contentsOf: dB.appendingPathComponent("log.jsonl"), encoding: .utf8)
            .split(separator: "\n").suffix(2).map { $0.replacingOccurrences(of: "\"step\":6", with: "\"step\":8")
                                                   .replacingOccurrences(of: "\"step\":7", with: "\"step\":9") + "\n" }
        let h = try FileHandle(forWritingTo: dB.appendingPathComponent("log.jsonl"))
        h.seekToEndOfFile(); h.write(Data(extra.joined().utf8)); try h.close()
        let (b2, mb) = try trainer(dB)
        XCTAssertEqual(try b2.resume(), 7)
        try b2.run()
        XCTAssertEqual(ma.params.map { $0.bitPattern }, mb.params.map { $0.bitPattern })
        XCTAssertEqual(a.optimizer.m.map { $0.bitPattern }, b2.optimizer.m.map { $0.bitPattern })
        let logA = try String(contentsOf: dA.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        let logB = try String(contentsOf: dB.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        func strip(_ l: Substring) -> String { l.replacingOccurrences(of: #""tokens_per_s":[0-9.e+-]+"#, with: "", options: .regularExpression) }
        XCTAssertEqual(logA.map(strip), logB.map(strip))
        XCTAssertEqual(logA.count, 12)
        XCTAssertNotNil(TrainingCheckpoint.latest(in: dB))
        XCTAssertEqual(TrainingCheckpoint.latest(in: dB)?.lastPathComponent, "checkpoint-12")
        // A different config is refused on resume.
        var other = cfg; other.learningRate = 0.1
        let t3 = try Trainer(model: ToyBigramModel(vocab: 6, seed: 1), dataset: data, config: other, objective: GOWeights(schedule: .linearDecay(max: 0.9, min: 0.1)),
                             masks: .random(fraction: 0.5, seed: 3), outputDirectory: dB)
        XCTAssertThrowsError(try t3.resume())
    }

    /// GO with λ = 0 trains exactly as SFT, bit for bit, whatever the mask.
    func testGOAtLambdaZeroIsSFTBitForBit() throws {
        func train(_ f: TokenWeightFunction) throws -> [Float] {
            let m = ToyBigramModel(vocab: 6, seed: 4)
            var c = TrainerConfig()
            c.batchSize = 5; c.tokenBudget = 20; c.epochs = 2; c.learningRate = 0.05
            try Trainer(model: m, dataset: toyDataset(count: 15, vocab: 6, seed: 3), config: c, objective: f,
                        masks: .random(fraction: 0.5, seed: 2), outputDirectory: nil).run()
            return m.params
        }
        let sft = try train(SFTWeights())
        XCTAssertEqual(try train(GOWeights(schedule: .constant(0))).map { $0.bitPattern }, sft.map { $0.bitPattern })
        XCTAssertNotEqual(try train(GOWeights(schedule: .constant(0.5))), sft)
    }

    func testNonFiniteLossStopsAndKeepsLastCheckpoint() throws {
        let dir = tempDirectory("nan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = ToyBigramModel(vocab: 5, seed: 2)
        var cfg = TrainerConfig()
        cfg.batchSize = 4; cfg.tokenBudget = 1000; cfg.epochs = 2; cfg.saveSteps = 1; cfg.learningRate = 0.01
        let t = try Trainer(model: m, dataset: toyDataset(count: 12, vocab: 5, seed: 1), config: cfg, objective: SFTWeights(),
                            masks: .none, outputDirectory: dir)
        m.poisonAtCall = 3          // one micro-batch per step: the third step's forward
        XCTAssertThrowsError(try t.run()) { e in
            guard case TrainingError.nonFiniteLoss(let step, let ex, _)? = e as? TrainingError else { return XCTFail("\(e)") }
            XCTAssertEqual(step, 2)
            XCTAssertEqual(ex.count, 4)
            XCTAssertTrue("\(e)".contains("step 2"))
        }
        XCTAssertEqual(TrainingCheckpoint.latest(in: dir)?.lastPathComponent, "checkpoint-2")
    }

    func testRunJSONAndLogKeys() throws {
        let dir = tempDirectory("runjson")
        defer { try? FileManager.default.removeItem(at: dir) }
        var cfg = TrainerConfig()
        cfg.batchSize = 4; cfg.maxSteps = 2
        let t = try Trainer(model: ToyBigramModel(vocab: 5, seed: 2), dataset: toyDataset(count: 8, vocab: 5, seed: 1), config: cfg,
                            objective: GOWeights(schedule: .constant(0.9)), masks: .random(fraction: 0.3, seed: 1), outputDirectory: dir)
        try t.writeRunJSON(extra: ["git_commit": "abc", "data_sha256": "def"])
        try t.run()
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json"))) as! [String: Any]
        XCTAssertEqual(run["git_commit"] as? String, "abc")
        XCTAssertEqual((run["config"] as? [String: Any])?["batchSize"] as? Int, 4)
        let line = try String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        for k in ["ce_all", "ce_imp", "ce_unimp", "worse_group", "lambda", "lr", "grad_norm", "tokens_per_s", "loss"] {
            XCTAssertNotNil(o[k], k)
        }
    }
}
