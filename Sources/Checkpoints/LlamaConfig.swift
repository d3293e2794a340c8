import Foundation

/// Llama-3 style RoPE frequency scaling (`rope_scaling` / transformers-5 `rope_parameters`).
public struct RopeScaling: Equatable, Codable {
    public var ropeType: String
    public var factor: Double
    public var lowFreqFactor: Double
    public var highFreqFactor: Double
    public var originalMaxPositionEmbeddings: Int

    public init(ropeType: String, factor: Double, lowFreqFactor: Double = 1,
                highFreqFactor: Double = 4, originalMaxPositionEmbeddings: Int) {
        self.ropeType = ropeType
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
    }
}

/// The fields of a Hugging Face `config.json` that a Llama forward needs. Defaults are those of
/// transformers' `LlamaConfig` (4.51) when a key is absent.
public struct LlamaConfig: Equatable, Codable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var rmsNormEps: Double
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling?
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var modelType: String
    public var torchDtype: String?

    public init(vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, numKeyValueHeads: Int? = nil, headDim: Int? = nil,
                rmsNormEps: Double = 1e-6, ropeTheta: Double = 10000, ropeScaling: RopeScaling? = nil,
                maxPositionEmbeddings: Int = 2048, tieWordEmbeddings: Bool = false,
                bosTokenId: Int? = 1, eosTokenIds: [Int] = [2], modelType: String = "llama",
                torchDtype: String? = nil) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        self.headDim = headDim ?? hiddenSize / max(numAttentionHeads, 1)
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.modelType = modelType
        self.torchDtype = torchDtype
    }

    public static let supportedModelTypes: Set<String> = ["llama"]

    /// One config.json file (a model folder is read by Models' ModelFolder).
    public static func load(file url: URL) throws -> LlamaConfig {
        try parse(JSONValue.load(url), file: url.path)
    }

    /// Reads a parsed config.json; `file` names it in errors.
    public static func parse(_ json: JSONValue, file: String) throws -> LlamaConfig {
        guard json.objectValue != nil else {
            throw CheckpointError.badField(file: file, field: "(root)", reason: "not a JSON object")
        }
        let r = FieldReader(json: json, file: file)
        guard let modelType = try r.string("model_type") else {
            throw CheckpointError.badField(file: file, field: "model_type", reason: "missing")
        }
        guard supportedModelTypes.contains(modelType) else {
            throw CheckpointError.unknownModelType(file: file, modelType: modelType)
        }
        let hidden = try r.int("hidden_size") ?? 4096
        let heads = try r.int("num_attention_heads") ?? 32
        guard heads > 0 else {
            throw CheckpointError.badField(file: file, field: "num_attention_heads", reason: "must be positive")
        }
        let kvHeads = try r.int("num_key_value_heads") ?? heads
        guard kvHeads > 0, heads % kvHeads == 0 else {
            throw CheckpointError.badField(file: file, field: "num_key_value_heads",
                                           reason: "\(kvHeads) does not divide num_attention_heads \(heads)")
        }
        // transformers-5 moves rope_theta and the scaling into `rope_parameters`.
        let ropeParams = json["rope_parameters"].flatMap { $0.isNull ? nil : $0 }
        let ropeScalingJSON = json["rope_scaling"].flatMap { $0.isNull ? nil : $0 }
        var ropeTheta = try r.double("rope_theta")
        var scaling: RopeScaling? = nil
        let maxPos = try r.int("max_position_embeddings") ?? 2048
        if let rp = ropeParams {
            let rr = FieldReader(json: rp, file: file, prefix: "rope_parameters.")
            ropeTheta = try rr.double("rope_theta") ?? ropeTheta
            scaling = try parseScaling(rr, maxPos: maxPos)
        } else if let rs = ropeScalingJSON {
            scaling = try parseScaling(FieldReader(json: rs, file: file, prefix: "rope_scaling."), maxPos: maxPos)
        }
        var eos: [Int] = [2]
        if let e = json["eos_token_id"] { eos = try tokenIds(e, file: file, field: "eos_token_id") }
        var bos: Int? = 1
        if let b = json["bos_token_id"] { bos = b.isNull ? nil : try r.int("bos_token_id") }
        let headDim = try r.int("head_dim") ?? hidden / heads
        let config = LlamaConfig(
            vocabSize: try r.int("vocab_size") ?? 32000,
            hiddenSize: hidden,
            intermediateSize: try r.int("intermediate_size") ?? 11008,
            numHiddenLayers: try r.int("num_hidden_layers") ?? 32,
            numAttentionHeads: heads,
            numKeyValueHeads: kvHeads,
            headDim: headDim,
            rmsNormEps: try r.double("rms_norm_eps") ?? 1e-6,
            ropeTheta: ropeTheta ?? 10000,
            ropeScaling: scaling,
            maxPositionEmbeddings: maxPos,
            tieWordEmbeddings: try r.bool("tie_word_embeddings") ?? false,
            bosTokenId: bos,
            eosTokenIds: eos,
            modelType: modelType,
            torchDtype: try r.string("torch_dtype") ?? r.string("dtype"))
        try config.checkRanges(file: file)
        return config
    }

    /// Largest size accepted for any one dimension: beyond every released model, and small enough
    /// that a product of two sizes cannot overflow before the shapes are compared with the weights.
    public static let maxDimension = 1 << 24
    /// Largest layer count accepted (the largest released Llama has 126).
    public static let maxLayers = 1 << 16

    /// Range checks on every field the engine uses; each failure names the file and field, so a bad
    /// config.json (or GGUF metadata turned into one) is refused before anything is allocated.
    public func checkRanges(file: String) throws {
        func bad(_ field: String, _ reason: String) -> CheckpointError { .badField(file: file, field: field, reason: reason) }
        let sizes: [(String, Int, Int)] = [
            ("vocab_size", vocabSize, Self.maxDimension), ("hidden_size", hiddenSize, Self.maxDimension),
            ("intermediate_size", intermediateSize, Self.maxDimension),
            ("num_hidden_layers", numHiddenLayers, Self.maxLayers),
            ("num_attention_heads", numAttentionHeads, Self.maxDimension),
            ("num_key_value_heads", numKeyValueHeads, Self.maxDimension),
            ("head_dim", headDim, Self.maxDimension),
            ("max_position_embeddings", maxPositionEmbeddings, Self.maxDimension),
        ]
        for (field, v, most) in sizes where v < 1 || v > most {
            throw bad(field, "\(v) is outside 1...\(most)")
        }
        guard headDim % 2 == 0 else { throw bad("head_dim", "\(headDim) is odd; rotary embeddings pair dimensions") }
        guard numAttentionHeads % numKeyValueHeads == 0 else {
            throw bad("num_key_value_heads", "\(numKeyValueHeads) does not divide num_attention_heads \(numAttentionHeads)")
        }
        guard rmsNormEps.isFinite, rmsNormEps > 0 else { throw bad("rms_norm_eps", "\(rmsNormEps) is not a positive number") }
        guard ropeTheta.isFinite, ropeTheta > 0 else { throw bad("rope_theta", "\(ropeTheta) is not a positive number") }
        if let b = bosTokenId, b < 0 { throw bad("bos_token_id", "\(b) is negative") }
        if let e = eosTokenIds.first(where: { $0 < 0 }) { throw bad("eos_token_id", "\(e) is negative") }
    }

    /// `rope_type` (or the older `type`); "default" means no scaling.
    private static func parseScaling(_ r: FieldReader, maxPos: Int) throws -> RopeScaling? {
        guard let type = try r.string("rope_type") ?? r.string("type") else {
            throw CheckpointError.badField(file: r.file, field: r.prefix + "rope_type", reason: "missing")
        }
        if type == "default" { return nil }
        if type == "llama3" {
            func need(_ k: String) throws -> Double {
                guard let v = try r.double(k) else {
                    throw CheckpointError.badField(file: r.file, field: r.prefix + k,
                                                   reason: "required for rope_type llama3")
                }
                return v
            }
            let orig = try r.int("original_max_position_embeddings")
            guard let orig else {
                throw CheckpointError.badField(file: r.file, field: r.prefix + "original_max_position_embeddings",
                                               reason: "required for rope_type llama3")
            }
            let s = RopeScaling(ropeType: type, factor: try need("factor"), lowFreqFactor: try need("low_freq_factor"),
                                highFreqFactor: try need("high_freq_factor"), originalMaxPositionEmbeddings: orig)
            try checkScaling(s, r)
            guard s.highFreqFactor > s.lowFreqFactor else {
                throw CheckpointError.badField(file: r.file, field: r.prefix + "high_freq_factor",
                                               reason: "\(s.highFreqFactor) must exceed low_freq_factor \(s.lowFreqFactor)")
            }
            return s
        }
        // Other schemes (linear, dynamic, …) are kept so the engine can refuse them by name.
        let s = RopeScaling(ropeType: type, factor: try r.double("factor") ?? 1,
                            lowFreqFactor: try r.double("low_freq_factor") ?? 1,
                            highFreqFactor: try r.double("high_freq_factor") ?? 4,
                            originalMaxPositionEmbeddings: try r.int("original_max_position_embeddings") ?? maxPos)
        try checkScaling(s, r)
        return s
    }

    private static func checkScaling(_ s: RopeScaling, _ r: FieldReader) throws {
        for (k, v) in [("factor", s.factor), ("low_freq_factor", s.lowFreqFactor), ("high_freq_factor", s.highFreqFactor)]
        where !(v.isFinite && v > 0) {
            throw CheckpointError.badField(file: r.file, field: r.prefix + k, reason: "\(v) is not a positive number")
        }
        guard (1...maxDimension).contains(s.originalMaxPositionEmbeddings) else {
            throw CheckpointError.badField(file: r.file, field: r.prefix + "original_max_position_embeddings",
                                           reason: "\(s.originalMaxPositionEmbeddings) is outside 1...\(maxDimension)")
        }
    }

    static func tokenIds(_ v: JSONValue, file: String, field: String) throws -> [Int] {
        if v.isNull { return [] }
        if let i = v.intValue { return [i] }
        if let a = v.arrayValue {
            return try a.map {
                guard let i = $0.intValue else {
                    throw CheckpointError.badField(file: file, field: field, reason: "list holds a non-integer")
                }
                return i
            }
        }
        throw CheckpointError.badField(file: file, field: field, reason: "expected an integer or a list of integers")
    }

    /// config.json in transformers 4.x form (`rope_scaling`, `torch_dtype`).
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("architectures", .array([.string("LlamaForCausalLM")])),
            ("attention_bias", .bool(false)),
            ("attention_dropout", .double(0)),
            ("bos_token_id", bosTokenId.map { .int($0) } ?? .null),
            ("eos_token_id", eosTokenIds.count == 1 ? .int(eosTokenIds[0]) : .array(eosTokenIds.map { .int($0) })),
            ("head_dim", .int(headDim)),
            ("hidden_act", .string("silu")),
            ("hidden_size", .int(hiddenSize)),
            ("initializer_range", .double(0.02)),
            ("intermediate_size", .int(intermediateSize)),
            ("max_position_embeddings", .int(maxPositionEmbeddings)),
            ("mlp_bias", .bool(false)),
            ("model_type", .string(modelType)),
            ("num_attention_heads", .int(numAttentionHeads)),
            ("num_hidden_layers", .int(numHiddenLayers)),
            ("num_key_value_heads", .int(numKeyValueHeads)),
            ("pretraining_tp", .int(1)),
            ("rms_norm_eps", .double(rmsNormEps)),
        ]
        if let s = ropeScaling {
            o.append(("rope_scaling", .object([
                ("factor", .double(s.factor)),
                ("high_freq_factor", .double(s.highFreqFactor)),
                ("low_freq_factor", .double(s.lowFreqFactor)),
                ("original_max_position_embeddings", .int(s.originalMaxPositionEmbeddings)),
                ("rope_type", .string(s.ropeType)),
            ])))
        } else {
            o.append(("rope_scaling", .null))
        }
        o.append(("rope_theta", .double(ropeTheta)))
        o.append(("tie_word_embeddings", .bool(tieWordEmbeddings)))
        if let d = torchDtype { o.append(("torch_dtype", .string(d))) }
        o.append(("use_cache", .bool(true)))
        o.append(("vocab_size", .int(vocabSize)))
        return .object(JSONObject(o))
    }

    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try json.write(to: directory.appendingPathComponent("config.json"))
    }
}

/// Typed access to the fields of one JSON object; every failure names the file and field.
struct FieldReader {
    let json: JSONValue
    let file: String
    var prefix: String = ""

    private func value(_ key: String) -> JSONValue? {
        guard let v = json[key], !v.isNull else { return nil }
        return v
    }
    private func bad(_ key: String, _ want: String) -> CheckpointError {
        .badField(file: file, field: prefix + key, reason: "expected \(want)")
    }
    func int(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw bad(key, "an integer") }
        return i
    }
    func double(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue else { throw bad(key, "a number") }
        return d
    }
    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolValue else { throw bad(key, "true or false") }
        return b
    }
    func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.stringValue else { throw bad(key, "a string") }
        return s
    }
}
