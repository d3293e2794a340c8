// libFuzzer target: arbitrary bytes as text through a real tokenizer (TokenizersFuzz.encode).
// The tokenizer is the llama3-mini test fixture (byte-level BPE like SmolLM2's), as in the replay
// test, or $SFTGO_FUZZ_TOKENIZER (a folder holding tokenizer.json).
import Foundation
import Models
import Tokenizers

let tokenizer: Tokenizer = {
    let env = ProcessInfo.processInfo.environment
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Tests/Fixtures/tokenizers/llama3-mini")
    let dir = env["SFTGO_FUZZ_TOKENIZER"] ?? fixture.standardizedFileURL.path
    do { return try ModelFolder(directory: URL(fileURLWithPath: dir)).tokenizer() } catch { fatalError("fuzz tokenizer: \(error)") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    TokenizersFuzz.encode(Data(bytes: data, count: size), with: tokenizer)
    return 0
}
