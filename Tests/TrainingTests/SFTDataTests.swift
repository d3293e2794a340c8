import Models
import XCTest
import Tokenizers
@testable import Training

func trainingFixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training/\(name)")
}

/// The package root (Tests/TrainingTests/../..).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The LIMA copy in ../shared/data beside the package.
let sharedLIMA = packageRoot.deletingLastPathComponent()
    .appendingPathComponent("shared/data/lima/lima_llamafactory_converted.json")

/// The SmolLM2 folder: $SFTGO_SMOLLM2_DIR, else <package>/models/SmolLM2-135M-Instruct (`make model`);
/// skips when absent.
func smolLM2Directory() throws -> URL {
    let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    let dir = env.map { URL(fileURLWithPath: $0) } ?? packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct")
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) else {
        throw XCTSkip("SmolLM2 not found at \(dir.path): set SFTGO_SMOLLM2_DIR")
    }
    return dir
}

final class SFTDataTests: XCTestCase {
    func testAlpacaFixture() throws {
        let c = try SFTData.read(trainingFixture("alpaca_data_sample.json"))
        XCTAssertEqual(c.count, 3)
        XCTAssertEqual(c[1].messages.map { $0.role }, ["user", "assistant"])
        XCTAssertEqual(c[1].messages[0].content, "Identify the odd one out.\nTwitter, Instagram, Telegram")
        XCTAssertEqual(c[1].input, "Twitter, Instagram, Telegram")
        XCTAssertNil(c[0].input)
        XCTAssertEqual(c[2].location, DataLocation(file: "alpaca_data_sample.json", row: 2))
    }

    func testUpstreamLIMAFixture() throws {
        let url = trainingFixture("lima_upstream_sample.jsonl")
        XCTAssertEqual(try SFTDataFormat.detect(url), .lima)
        let c = try SFTData.read(url)
        XCTAssertEqual(c.count, 2)
        XCTAssertEqual(c[1].messages.map { $0.role }, ["user", "assistant", "user", "assistant"])
        XCTAssertEqual(c[1].messages[3].content, "Snow hushes the town")
    }

    func testBadRowNamesFileAndRow() throws {
        let dir = tempDirectory("badrow")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.json")
        try Data(#"[{"instruction": "a", "output": "b"}, {"instruction": "c"}]"#.utf8).write(to: url)
        XCTAssertThrowsError(try SFTData.read(url, format: .alpaca)) { e in
            XCTAssertEqual("\(e)", "bad.json row 1: missing field `output`")
        }
    }

    func testLIMACopyRows() throws {
        let url = sharedLIMA
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("LIMA copy absent") }
        let c = try SFTData.read(url)
        XCTAssertEqual(c.count, 1029)
        XCTAssertEqual(c.filter { $0.messages.count > 2 }.count, 29)
        XCTAssertTrue(c[0].messages[0].content.hasPrefix("Can brain cells move?"))
        // Every turn alternates user/assistant and ends with the assistant.
        XCTAssertTrue(c.allSatisfy { $0.messages.enumerated().allSatisfy { $1.role == ($0 % 2 == 0 ? "user" : "assistant") } })
    }

    /// Llama-3 headers: each response (trimmed, as the template does) through its <|eot_id|> is a target span.
    func testLlama3TemplateTargets() throws {
        let c = try SFTData.read(trainingFixture("lima_upstream_sample.jsonl"))[1]
        let f = ChatFormat.template(.llama3(bos: "<|begin_of_text|>"), endOfTurn: "<|eot_id|>")
        let r = try f.render(c)
        let u = Array(r.text.unicodeScalars)
        let spans = r.targets.map { String(String.UnicodeScalarView(u[$0])) }
        XCTAssertEqual(spans, ["Leaves drift, red and gold<|eot_id|>", "Snow hushes the town<|eot_id|>"])
        XCTAssertTrue(r.text.hasPrefix("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWrite a haiku"))
    }

    func testShuffleDeterministicPerSeedAndEpoch() {
        let a = Packing.epochOrder(count: 100, seed: 42, epoch: 0)
        XCTAssertEqual(a, Packing.epochOrder(count: 100, seed: 42, epoch: 0))
        XCTAssertEqual(a.sorted(), Array(0..<100))
        XCTAssertNotEqual(a, Packing.epochOrder(count: 100, seed: 42, epoch: 1))
        XCTAssertNotEqual(a, Packing.epochOrder(count: 100, seed: 43, epoch: 0))
        XCTAssertNotEqual(a, Array(0..<100))
        XCTAssertEqual(Packing.epochOrder(count: 5, seed: 1, epoch: 0, shuffle: false), [0, 1, 2, 3, 4])
    }

    func testPackingByTokenBudget() {
        XCTAssertEqual(Packing.microBatches(lengths: [3, 4, 2, 5, 9, 1], tokenBudget: 8), [0..<2, 2..<4, 4..<5, 5..<6])
        XCTAssertEqual(Packing.microBatches(lengths: [3, 4], tokenBudget: 100), [0..<2])
        XCTAssertEqual(Packing.microBatches(lengths: [], tokenBudget: 8), [])
    }
}

/// Chat formats and loss masks with the real SmolLM2 tokenizer.
final class LossMaskTests: XCTestCase {
    func tokenizer() throws -> Tokenizer { try ModelFolder(directory: try smolLM2Directory()).tokenizer() }

    func testChatMLMasksEveryResponseWithItsEndOfTurn() throws {
        let tok = try tokenizer()
        let conv = try SFTData.read(trainingFixture("lima_upstream_sample.jsonl"))
        let format = try ChatFormat.named("model", tokenizer: tok)
        let r = try format.render(conv[1])
        XCTAssertEqual(r.text, try tok.applyChatTemplate(conv[1].messages, addGenerationPrompt: false))
        let ds = try SFTDataset(conv, format: format, tokenizer: tok, maxLength: 512, skipInvalid: false)
        let e = ds.examples[1]
        let imEnd = tok.id(for: "<|im_end|>")!
        // Two responses, each ending in a loss-carrying <|im_end|>; the user turns' <|im_end|> carry none.
        let endIdx = e.ids.indices.filter { e.ids[$0] == imEnd }
        XCTAssertEqual(endIdx.map { e.lossMask[$0] }, [false, false, true, false, true])
        XCTAssertEqual(tok.decode(e.lossTokenIds), "Leaves drift, red and gold<|im_end|>Snow hushes the town<|im_end|>")
        // The token after each loss span (the newline) and the prompt carry none.
        XCTAssertFalse(e.lossMask[endIdx[2] + 1])
        XCTAssertEqual(e.targets.count, e.inputs.count)
        XCTAssertEqual(e.targets.filter { $0 >= 0 }, e.lossTokenIds)
    }

    /// Real LIMA rows (single- and multi-turn) against transformers' apply_chat_template + tokenizers'
    /// offsets (scripts/reference/sft_mask_goldens.py → Tests/Fixtures/training/lima_smollm2_masks.json).
    func testLIMAMasksMatchTransformers() throws {
        let tok = try tokenizer()
        let url = sharedLIMA
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("LIMA copy absent") }
        struct G: Decodable { struct E: Decodable { var row: Int; var ids: [Int]; var loss_mask: [Int] }; var examples: [E] }
        let g = try JSONDecoder().decode(G.self, from: Data(contentsOf: trainingFixture("lima_smollm2_masks.json")))
        let all = try SFTData.read(url)
        let ds = try SFTDataset(g.examples.map { all[$0.row] }, format: try ChatFormat.named("model", tokenizer: tok),
                                tokenizer: tok, maxLength: 4096, skipInvalid: false)
        XCTAssertEqual(ds.examples.count, g.examples.count)
        for (e, want) in zip(ds.examples, g.examples) {
            XCTAssertEqual(e.ids, want.ids, "row \(want.row)")
            XCTAssertEqual(e.lossMask.map { $0 ? 1 : 0 }, want.loss_mask, "row \(want.row)")
        }
    }

    func testAlpacaPromptMasksResponseAndEOS() throws {
        let tok = try tokenizer()
        let conv = try SFTData.read(trainingFixture("alpaca_data_sample.json"))
        let format = try ChatFormat.named("alpaca", tokenizer: tok)
        let r = try format.render(conv[1])
        XCTAssertTrue(r.text.contains("### Instruction:\nIdentify the odd one out.\n\n### Input:\nTwitter, Instagram, Telegram\n\n### Response:\nTelegram"))
        let ds = try SFTDataset(conv, format: format, tokenizer: tok, maxLength: 512, skipInvalid: false)
        XCTAssertEqual(tok.decode(ds.examples[1].lossTokenIds), "Telegram" + tok.eosToken!)
        XCTAssertEqual(ds.examples[1].lossTokenIds.last, tok.eosTokenId)
        XCTAssertEqual(tok.decode(ds.examples[2].lossTokenIds), "Le chat dort sur le canapé." + tok.eosToken!)
    }

    func testZeroLossTokensAndCutTargetsAreErrorsUnlessSkipped() throws {
        let tok = try tokenizer()
        let format = try ChatFormat.named("model", tokenizer: tok)
        var conv = try SFTData.read(trainingFixture("lima_upstream_sample.jsonl"))
        let noAnswer = SFTConversation(messages: [ChatMessage(role: "user", content: "hello?")],
                                       location: DataLocation(file: "x.json", row: 7))
        XCTAssertThrowsError(try SFTDataset([noAnswer], format: format, tokenizer: tok, maxLength: 512, skipInvalid: false)) { e in
            XCTAssertEqual(e as? TrainingError, .noLossTokens(DataLocation(file: "x.json", row: 7)))
            XCTAssertTrue("\(e)".hasPrefix("x.json row 7:"))
        }
        // A cut that only drops the final newline is fine; one more token cuts the last <|im_end|>.
        let full = try SFTDataset([conv[1]], format: format, tokenizer: tok, maxLength: 512, skipInvalid: false).examples[0]
        let ok = try SFTDataset([conv[1]], format: format, tokenizer: tok, maxLength: full.ids.count - 1, skipInvalid: false)
        XCTAssertEqual(ok.examples[0].lossTokenIds, full.lossTokenIds)
        XCTAssertThrowsError(try SFTDataset([conv[1]], format: format, tokenizer: tok, maxLength: full.ids.count - 2, skipInvalid: false)) { e in
            guard case .lossTokensCut(let loc, _, _, _)? = e as? TrainingError else { return XCTFail("\(e)") }
            XCTAssertEqual(loc, DataLocation(file: "lima_upstream_sample.jsonl", row: 1))
        }
        let short = SFTConversation(messages: [ChatMessage(role: "user", content: "hi"), ChatMessage(role: "assistant", content: "yo")],
                                    location: DataLocation(file: "x.json", row: 8))
        conv = [conv[1], noAnswer, short]
        let skipped = try SFTDataset(conv, format: format, tokenizer: tok, maxLength: full.ids.count - 2, skipInvalid: true)
        XCTAssertEqual(skipped.examples.map { $0.index }, [2])
        XCTAssertEqual(skipped.skipped.count, 2)
    }

    func testImportantMaskFileIsCheckedAgainstTheDataset() throws {
        let tok = try tokenizer()
        let ds = try SFTDataset(try SFTData.read(trainingFixture("lima_upstream_sample.jsonl")),
                                format: try ChatFormat.named("model", tokenizer: tok), tokenizer: tok, maxLength: 512, skipInvalid: false)
        let dir = tempDirectory("masks")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ corrupt: Bool) throws -> URL {
            let lines = ds.examples.map { e -> String in
                var ids = e.lossTokenIds
                if corrupt && e.index == 1 { ids[2] += 1 }
                let imp = ids.indices.map { $0 % 3 == 0 ? 1 : 0 }
                return "{\"index\": \(e.index), \"ids\": \(ids), \"scores\": \(ids.map { _ in 0.5 }), \"important\": \(imp)}"
            }
            let u = dir.appendingPathComponent(corrupt ? "bad.jsonl" : "good.jsonl")
            try Data(lines.joined(separator: "\n").utf8).write(to: u)
            return u
        }
        let masks = try ImportantMasks.read(try write(false), dataset: ds)
        XCTAssertEqual(try masks.mask(for: ds.examples[1]).prefix(4), [true, false, false, true])
        XCTAssertThrowsError(try ImportantMasks.read(try write(true), dataset: ds)) { e in
            guard case .maskMismatch(let f, let line, let ex, _)? = e as? TrainingError else { return XCTFail("\(e)") }
            XCTAssertEqual([f, "\(line)", "\(ex)"], ["bad.jsonl", "2", "1"])
        }
    }

    func testRandomMaskIsSeededAndOrderFree() throws {
        let ds = toyDataset(count: 4, vocab: 9, seed: 1, minLength: 30, maxLength: 40)
        let m = ImportantMasks.random(fraction: 0.3, seed: 5)
        let a = try m.mask(for: ds.examples[2])
        XCTAssertEqual(a, try m.mask(for: ds.examples[2]))
        XCTAssertNotEqual(a, try ImportantMasks.random(fraction: 0.3, seed: 6).mask(for: ds.examples[2]))
        XCTAssertTrue(a.contains(true) && a.contains(false))
    }
}
