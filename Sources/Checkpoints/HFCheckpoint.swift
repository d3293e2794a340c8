import Foundation

/// A tensor decoded to Float32, row-major.
public struct NamedTensor: Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// A Hugging Face model folder: config.json, model.safetensors or shards with
/// model.safetensors.index.json.
public enum HFCheckpoint {
    public static let singleFile = "model.safetensors"
    public static let indexFile = "model.safetensors.index.json"

    /// The safetensors files of a folder, opened and validated, with which file holds which tensor.
    public static func open(directory: URL) throws -> [String: SafetensorsFile] {
        let single = directory.appendingPathComponent(singleFile)
        let index = directory.appendingPathComponent(indexFile)
        let fm = FileManager.default
        if fm.fileExists(atPath: single.path) {
            let f = try SafetensorsFile(path: single.path)
            return Dictionary(uniqueKeysWithValues: f.tensorNames.map { ($0, f) })
        }
        guard fm.fileExists(atPath: index.path) else {
            throw CheckpointError.cannotOpen(file: single.path, reason: "neither \(singleFile) nor \(indexFile) exists")
        }
        let json = try JSONValue.load(index)
        guard let map = json["weight_map"]?.objectValue else {
            throw CheckpointError.badField(file: index.path, field: "weight_map", reason: "missing or not an object")
        }
        var files: [String: SafetensorsFile] = [:]
        var byTensor: [String: SafetensorsFile] = [:]
        for (tensor, fileJ) in map.pairs {
            guard let name = fileJ.stringValue, !name.contains("/") else {
                throw CheckpointError.badField(file: index.path, field: "weight_map.\(tensor)",
                                               reason: "expected a file name in this folder")
            }
            let shard: SafetensorsFile
            if let f = files[name] { shard = f } else {
                shard = try SafetensorsFile(path: directory.appendingPathComponent(name).path)
                files[name] = shard
            }
            guard shard.entries[tensor] != nil else {
                throw CheckpointError.missingTensor(file: shard.path, tensor: tensor)
            }
            byTensor[tensor] = shard
        }
        return byTensor
    }

    public static func loadTensors(directory: URL) throws -> [String: NamedTensor] {
        var out: [String: NamedTensor] = [:]
        for (name, file) in try open(directory: directory) { out[name] = try file.tensor(name) }
        return out
    }

    /// Writes `model.safetensors` exactly as given.
    public static func saveTensors(_ tensors: [NamedTensor], directory: URL, dtype: SafetensorsDType) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsFile.write(tensors, to: directory.appendingPathComponent(singleFile), dtype: dtype)
    }

    /// config.json + model.safetensors. A tied head stays one tensor: `lm_head.weight` is not
    /// written when `config.tieWordEmbeddings` (transformers re-ties it on load).
    public static func save(config: LlamaConfig, tensors: [NamedTensor], directory: URL,
                            dtype: SafetensorsDType = .f32) throws {
        let kept = config.tieWordEmbeddings ? tensors.filter { $0.name != "lm_head.weight" } : tensors
        var c = config
        c.torchDtype = ["F32": "float32", "F16": "float16", "BF16": "bfloat16"][dtype.rawValue]
        try c.write(to: directory)
        try saveTensors(kept, directory: directory, dtype: dtype)
    }

    /// Names and shapes a Llama checkpoint must hold under `config` (from LlamaLayout).
    public static func expectedLlamaShapes(_ c: LlamaConfig) -> [(String, [Int])] {
        LlamaLayout(config: c).entries.map { ($0.name, $0.shape) }
    }

    /// Calls `body` with each expected (name, shape) in layout order; a throwing body stops at the
    /// first problem (LlamaConfig's range checks bound the layer count before this runs).
    public static func forEachExpectedLlamaShape(_ c: LlamaConfig, _ body: (String, [Int]) throws -> Void) rethrows {
        for e in LlamaLayout(config: c).entries { try body(e.name, e.shape) }
    }

    /// Checks that every tensor a Llama needs is present with its shape; `file` names the
    /// checkpoint in errors.
    public static func checkLlama(config: LlamaConfig, shapes: [String: [Int]], file: String) throws {
        try forEachExpectedLlamaShape(config) { name, shape in
            guard let s = shapes[name] else { throw CheckpointError.missingTensor(file: file, tensor: name) }
            guard s == shape else {
                throw CheckpointError.shapeMismatch(file: file, tensor: name, expected: shape, actual: s)
            }
        }
    }
}
