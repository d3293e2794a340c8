import Foundation

/// `sftgo model import`: a llama GGUF file → a standard Hugging Face folder (config.json,
/// generation_config.json, f32 model.safetensors, tokenizer.json, tokenizer_config.json,
/// special_tokens_map.json).
public enum GGUFImport {
    public struct Report {
        public var config: LlamaConfig
        /// (file name, bytes) of every file written, in writing order.
        public var files: [(String, Int)]
        /// Count of source tensors by ggml type name.
        public var tensorTypes: [String: Int]
        public var parameterCount: Int
    }

    @discardableResult
    public static func run(gguf: URL, output: URL) throws -> Report {
        let f = try GGUFFile(path: gguf.path)
        let config = try GGUFLlama.config(f)

        // Map every tensor to its Hugging Face name; refuse any we would silently drop.
        var layout: [(name: String, shape: [Int])] = []
        var source: [String: GGUFTensorInfo] = [:]
        var types: [String: Int] = [:]
        for t in f.tensors {
            if GGUFLlama.ignoredTensors.contains(t.name) { continue }
            guard let hf = GGUFLlama.hfName(t.name) else {
                throw GGUFError.unknownTensorName(file: f.path, tensor: t.name)
            }
            guard t.type.canDequantise else {
                throw GGUFError.unsupportedTensorType(file: f.path, tensor: t.name, type: t.type.name)
            }
            layout.append((hf, t.shape))
            source[hf] = t
            types[t.type.name, default: 0] += 1
        }
        do {
            try HFCheckpoint.checkLlama(config: config, shapes: Dictionary(uniqueKeysWithValues: layout.map { ($0.name, $0.shape) }),
                                        file: f.path)
        } catch let CheckpointError.missingTensor(file, tensor) {
            throw GGUFError.missingTensor(file: file, tensor: tensor)
        } catch let CheckpointError.shapeMismatch(file, tensor, expected, actual) {
            throw GGUFError.badValue(file: file, field: tensor, reason: "shape \(actual), expected \(expected) from the metadata")
        }
        // Build the tokenizer before writing anything, so a bad vocabulary leaves no half folder.
        let tok = try GGUFTokenizer.build(f, config: config)

        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var scratch: [Float] = []
        let weights = output.appendingPathComponent(HFCheckpoint.singleFile)
        try SafetensorsFile.write(layout: layout, to: weights, dtype: .f32) { name, out in
            let t = source[name]!
            let heads: Int? = name.hasSuffix("self_attn.q_proj.weight") ? config.numAttentionHeads
                : name.hasSuffix("self_attn.k_proj.weight") ? config.numKeyValueHeads : nil
            guard let heads else { return try f.dequantise(t, into: out) }
            if scratch.count < out.count { scratch = [Float](repeating: 0, count: out.count) }
            try scratch.withUnsafeMutableBufferPointer { s in
                let tmp = UnsafeMutableBufferPointer(rebasing: s[0 ..< out.count])
                try f.dequantise(t, into: tmp)
                GGUFLlama.unpermuteRows(UnsafeBufferPointer(tmp), nHeads: heads, cols: t.dims[0], into: out)
            }
        }
        var files: [(String, Int)] = []
        func record(_ name: String) {
            let size = (try? FileManager.default.attributesOfItem(atPath: output.appendingPathComponent(name).path)[.size]) as? Int
            files.append((name, size ?? 0))
        }
        record(HFCheckpoint.singleFile)
        try tok.tokenizer.write(to: output.appendingPathComponent("tokenizer.json"))
        record("tokenizer.json")
        try tok.tokenizerConfig.write(to: output.appendingPathComponent("tokenizer_config.json"))
        record("tokenizer_config.json")
        try tok.specialTokensMap.write(to: output.appendingPathComponent("special_tokens_map.json"))
        record("special_tokens_map.json")
        try GenerationConfig(bosTokenId: config.bosTokenId, eosTokenIds: config.eosTokenIds,
                             padTokenId: try f.int("tokenizer.ggml.padding_token_id")).write(to: output)
        record("generation_config.json")
        // config.json last: its presence marks a complete import.
        try config.write(to: output)
        record("config.json")
        return Report(config: config, files: files, tensorTypes: types,
                      parameterCount: layout.reduce(0) { $0 + $1.shape.reduce(1, *) })
    }
}
