// Facts about a Hugging Face model folder the scorer needs besides the weights: lm-eval's
// context window and a stable identity for the result cache.
import Checkpoints
import Foundation
import Models

public enum ModelWindow {
    /// transformers' "no limit" model_max_length (int(1e30)); lm-eval then falls back to 2048.
    static let unboundedModelMaxLength = 1e29

    /// lm-eval 0.4.8 HFLM.max_length: the config's n_positions, max_position_embeddings or
    /// n_ctx (in that order), else the tokenizer's model_max_length unless unbounded, else 2048
    /// (eval-spec precision 9).
    public static func lmEvalMaxLength(directory: URL) throws -> Int { try lmEvalMaxLength(ModelFolder(directory: directory)) }

    public static func lmEvalMaxLength(_ folder: ModelFolder) throws -> Int {
        let config = try object(folder, ModelFolder.configFile, required: true)
        for key in ["n_positions", "max_position_embeddings", "n_ctx"] {
            if let v = config?[key]?.intValue { return v }
        }
        if let tc = try object(folder, ModelFolder.tokenizerConfigFile, required: false),
           let v = tc["model_max_length"]?.doubleValue, v < unboundedModelMaxLength {
            return Int(v)
        }
        return 2048
    }

    static func object(_ folder: ModelFolder, _ name: String, required: Bool) throws -> JSONObject? {
        guard let v = try folder.json(name) else {
            if required { throw ScoringError.model("\(folder.path(name)): file not found") }
            return nil
        }
        guard let obj = v.objectValue else { throw ScoringError.model("\(folder.path(name)): not a JSON object") }
        return obj
    }
}

public enum ModelIdentity {
    /// Hash of the folder's JSON files (config, tokenizer, generation config) in full and of each
    /// weights file's size and three 64 KiB samples (start, middle, end): cheap on a 0.5 GB file,
    /// and any retrained checkpoint differs in all of them.
    public static func of(directory: URL) throws -> String { try of(ModelFolder(directory: directory)) }

    public static func of(_ folder: ModelFolder) throws -> String {
        let fm = FileManager.default
        var h = KeyHasher()
        for name in folder.fileNames {
            let url = folder.directory.appendingPathComponent(name)
            if let bytes = folder.jsonBytes[name] {
                h.add(name)
                for b in bytes { h.add(byte: b) }
            } else if name.hasSuffix(".safetensors") || name.hasSuffix(".bin") || name.hasSuffix(".gguf") {
                let size = (try fm.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
                h.add(name); h.add(size)
                let fh = try FileHandle(forReadingFrom: url)
                defer { try? fh.close() }
                let chunk = 1 << 16
                for offset in [0, max(0, size / 2 - chunk / 2), max(0, size - chunk)] {
                    try fh.seek(toOffset: UInt64(offset))
                    for b in try fh.read(upToCount: chunk) ?? Data() { h.add(byte: b) }
                }
            }
        }
        return "llama:" + h.key.hex
    }
}
