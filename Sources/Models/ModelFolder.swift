// The one reader of a Hugging Face model folder. It finds the folder's files, reads every JSON file
// once with the project's parser (Checkpoints' JSONValue) and hands out what callers need: the
// Llama or encoder config, generation_config.json, the tokenizer, the weights, and the raw bytes an
// identity hash covers. It lives in Models, not Checkpoints or Tokenizers, because it returns
// types of both (LlamaConfig, SafetensorsFile and Tokenizer) and Checkpoints never imports
// Tokenizers: Models is the lowest layer that sees both without an upward import.

import Checkpoints
import Foundation
import Tokenizers

public enum ModelFolderError: Error, Equatable, CustomStringConvertible {
    case notAFolder(path: String)
    /// `file` is the full path of the file that should be there; `purpose` says who needs it.
    case missingFile(file: String, purpose: String)

    public var description: String {
        switch self {
        case let .notAFolder(p): return "\(p): not a model folder (no such directory)"
        case let .missingFile(f, purpose): return "\(f): file not found (needed for \(purpose))"
        }
    }
}

public final class ModelFolder {
    public static let configFile = "config.json"
    public static let generationConfigFile = "generation_config.json"
    public static let tokenizerFile = "tokenizer.json"
    public static let tokenizerConfigFile = "tokenizer_config.json"
    /// Files a trained checkpoint copies from its base so transformers (and our evaluator) load its
    /// tokenizer and generation settings.
    public static let tokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json",
                                        "merges.txt", "generation_config.json", "added_tokens.json"]

    public let directory: URL
    /// The folder's file names, sorted.
    public let fileNames: [String]
    /// Every `*.json` file's bytes, read once at open (they are small; the identity hashes them).
    public let jsonBytes: [String: Data]
    private var parsed: [String: JSONValue] = [:]
    private var cachedTokenizer: Tokenizer?
    private let lock = NSLock()

    public init(directory: URL) throws {
        self.directory = directory
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelFolderError.notAFolder(path: directory.path)
        }
        fileNames = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var bytes: [String: Data] = [:]
        for name in fileNames where name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            do { bytes[name] = try Data(contentsOf: url) } catch {
                throw CheckpointError.cannotOpen(file: url.path, reason: error.localizedDescription)
            }
        }
        jsonBytes = bytes
    }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    public func contains(_ name: String) -> Bool { fileNames.contains(name) }

    /// A JSON file of the folder parsed (once), or nil when the folder has no such file. Malformed
    /// JSON is CheckpointError.badJSON naming the file.
    public func json(_ name: String) throws -> JSONValue? {
        lock.lock(); defer { lock.unlock() }
        if let v = parsed[name] { return v }
        guard let data = jsonBytes[name] else { return nil }
        let v = try JSONValue.parse(data, file: path(name))
        parsed[name] = v
        return v
    }

    /// A JSON file that must be there; `purpose` goes into the error when it is not.
    public func requiredJSON(_ name: String, for purpose: String) throws -> JSONValue {
        guard let v = try json(name) else { throw ModelFolderError.missingFile(file: path(name), purpose: purpose) }
        return v
    }

    /// config.json as a Llama config.
    public func llamaConfig() throws -> LlamaConfig {
        try LlamaConfig.parse(requiredJSON(Self.configFile, for: "the model config"), file: path(Self.configFile))
    }

    /// config.json as a BERT-family encoder config.
    public func encoderConfig() throws -> EncoderConfig {
        try EncoderConfig(json: requiredJSON(Self.configFile, for: "the encoder config"), file: path(Self.configFile))
    }

    /// generation_config.json, or nil when the folder has none (many checkpoints do not).
    public func generationConfig() throws -> GenerationConfig? {
        guard let j = try json(Self.generationConfigFile) else { return nil }
        return try GenerationConfig.parse(j, file: path(Self.generationConfigFile))
    }

    /// The tokenizer from tokenizer.json with tokenizer_config.json and generation_config.json
    /// when present; built once per folder.
    public func tokenizer() throws -> Tokenizer {
        if let t = lock.withLock({ cachedTokenizer }) { return t }
        let t = try Tokenizer(tokenizerJSON: requiredJSON(Self.tokenizerFile, for: "the tokenizer"), path: path(Self.tokenizerFile),
                              tokenizerConfig: json(Self.tokenizerConfigFile).map { ($0, path(Self.tokenizerConfigFile)) },
                              generationConfig: json(Self.generationConfigFile).map { ($0, path(Self.generationConfigFile)) })
        lock.withLock { cachedTokenizer = t }
        return t
    }

    /// The safetensors files (one, or shards through model.safetensors.index.json), opened and
    /// validated, keyed by tensor name.
    public func weights() throws -> [String: SafetensorsFile] { try HFCheckpoint.open(directory: directory) }

    /// config.json and the weights of a Llama folder, every tensor's shape checked against the config
    /// before the caller allocates anything from the config's sizes.
    public func llama() throws -> (config: LlamaConfig, files: [String: SafetensorsFile]) {
        let config = try llamaConfig()
        let files = try weights()
        try HFCheckpoint.forEachExpectedLlamaShape(config) { name, shape in
            guard let f = files[name], let e = f.entries[name] else {
                throw CheckpointError.missingTensor(file: directory.path, tensor: name)
            }
            guard e.shape == shape else {
                throw CheckpointError.shapeMismatch(file: f.path, tensor: name, expected: shape, actual: e.shape)
            }
        }
        return (config, files)
    }

    /// Copies the tokenizer and generation files of `src` that exist into `dst`.
    public static func copyTokenizerFiles(from src: URL, to dst: URL) throws {
        let fm = FileManager.default
        for name in tokenizerFiles {
            let a = src.appendingPathComponent(name), b = dst.appendingPathComponent(name)
            guard fm.fileExists(atPath: a.path) else { continue }
            try? fm.removeItem(at: b)
            try fm.copyItem(at: a, to: b)
        }
    }
}
