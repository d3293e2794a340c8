import Foundation

/// Parser entry points shared by the libFuzzer targets (Fuzz/) and the replay tests of their
/// regression inputs (Tests/Fixtures/fuzz/). Each takes arbitrary bytes and must return — refusing
/// with a typed error is fine; trapping, hanging or allocating beyond the input's size is a bug.
public enum CheckpointsFuzz {
    /// A per-process scratch file (the readers take paths: memory maps, as in real use).
    static func scratch(_ name: String, _ data: Data) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try? data.write(to: url)
        return url.path
    }

    /// A safetensors file: header validation, then every tensor decoded.
    public static func safetensors(_ data: Data) {
        guard let f = try? SafetensorsFile(path: scratch("model.safetensors", data)) else { return }
        for name in f.tensorNames { _ = try? f.tensor(name) }
    }

    /// A GGUF file: header, metadata, tensor infos, dequantisation, and the Llama config and
    /// tokenizer files an import would derive from it.
    public static func gguf(_ data: Data) {
        guard let f = try? GGUFFile(path: scratch("model.gguf", data)) else { return }
        for t in f.tensors where t.type.canDequantise { _ = try? f.tensor(t.name) }
        if let c = try? GGUFLlama.config(f) { _ = try? GGUFTokenizer.build(f, config: c) }
    }

    /// config.json and generation_config.json readers.
    public static func config(_ data: Data) {
        guard let j = try? JSONValue.parse(data, file: "config.json") else { return }
        if let c = try? LlamaConfig.parse(j, file: "config.json") { _ = c.json.serialized(indent: 2) }
        _ = try? GenerationConfig.parse(j, file: "generation_config.json")
    }

    /// The JSON parser, and the writer on whatever it accepts.
    public static func json(_ data: Data) {
        guard let v = try? JSONValue.parse(data: data) else { return }
        _ = v.serialized(compact: true)
    }
}
