import Foundation
import Models
import XCTest
@testable import Tokenizers

/// Chat templates against transformers' `apply_chat_template` (chat-goldens.json).
final class ChatTemplateTests: XCTestCase {
    func goldens() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent("chat-goldens.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    }

    func testFamiliesMatchTransformers() throws {
        var compared = 0, errors = 0
        for (name, fam) in try goldens() {
            let t = try ChatTemplate(source: fam["chat_template"] as! String,
                                     bos: fam["bos_token"] as? String, eos: fam["eos_token"] as? String)
            let tok: Tokenizer? = name == "smollm2"
                ? Paths.smollm2HF.flatMap { try? ModelFolder(directory: $0).tokenizer() }
                : try ModelFolder(directory: Paths.fixtures.appendingPathComponent(name)).tokenizer()
            for c in fam["cases"] as! [[String: Any]] {
                let msgs = (c["messages"] as! [[String: String]]).map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
                let gen = c["add_generation_prompt"] as! Bool
                if let want = c["text"] as? String {
                    let got = try t.render(msgs, addGenerationPrompt: gen)
                    XCTAssertEqual(Array(got.utf8), Array(want.utf8), "\(name): \(msgs) gen=\(gen)\n got \(got.debugDescription)\nwant \(want.debugDescription)")
                    if let tok = tok {
                        XCTAssertEqual(try tok.applyChatTemplate(msgs, addGenerationPrompt: gen), got)
                        XCTAssertEqual(tok.encode(got), (c["ids"] as! [NSNumber]).map { $0.intValue }, "\(name) ids")
                    }
                    compared += 1
                } else {
                    XCTAssertThrowsError(try t.render(msgs, addGenerationPrompt: gen), "\(name): \(msgs) should fail")
                    errors += 1
                }
            }
        }
        print("[chat] \(compared) renders compared, \(errors) expected template errors")
        XCTAssertGreaterThan(compared, 60)
    }

    func testSmolLM2DefaultSystemPrompt() throws {
        let fam = try goldens()["smollm2"]!
        let t = try ChatTemplate(source: fam["chat_template"] as! String, bos: nil, eos: nil)
        XCTAssertEqual(t, .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
    }

    func testUnknownTemplateIsAnError() {
        XCTAssertThrowsError(try ChatTemplate(source: "{{ messages[0]['content'] }}", bos: nil, eos: nil)) { e in
            guard case TokenizerError.unsupportedChatTemplate = e else { return XCTFail("\(e)") }
        }
    }
}
