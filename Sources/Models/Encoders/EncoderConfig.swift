import Checkpoints
import Foundation

/// What can be wrong with an encoder checkpoint folder, naming the file and field or tensor.
public enum EncoderError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case badField(file: String, field: String, reason: String)
    case unsupported(file: String, field: String, value: String)
    case missingTensor(file: String, tensor: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    case sequenceTooLong(length: Int, maxPositions: Int)
    case tokenOutOfRange(id: Int, vocabSize: Int)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "cannot read \(f): \(r)"
        case let .badField(f, k, r): return "\(f): field '\(k)' \(r)"
        case let .unsupported(f, k, v): return "\(f): unsupported \(k) '\(v)'"
        case let .missingTensor(f, t): return "\(f): no tensor '\(t)'"
        case let .shapeMismatch(f, t, e, g): return "\(f): tensor '\(t)' has shape \(g), the config needs \(e)"
        case let .sequenceTooLong(n, m): return "sequence of \(n) tokens exceeds max_position_embeddings \(m)"
        case let .tokenOutOfRange(id, v): return "token id \(id) outside the vocabulary 0..<\(v)"
        }
    }
}

/// config.json of a BERT-family encoder (BERT, RoBERTa, XLM-RoBERTa), as transformers reads it.
public struct EncoderConfig: Equatable {
    public enum Family: String { case bert, roberta, xlmRoberta = "xlm-roberta" }
    public var family: Family
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var padTokenId: Int
    /// Labels of a token-classification head (`id2label`, else `num_labels`, else 2).
    public var numLabels: Int

    public var headDim: Int { hiddenSize / numAttentionHeads }
    /// RoBERTa-style models number positions from padding_idx + 1 (transformers'
    /// `create_position_ids_from_input_ids`); BERT from 0.
    public var positionOffset: Int { family == .bert ? 0 : padTokenId + 1 }

    /// Reads a parsed config.json (ModelFolder.encoderConfig()); `file` names it in errors.
    public init(json: JSONValue, file: String) throws {
        guard let obj = json.objectValue else {
            throw EncoderError.badField(file: file, field: "(root)", reason: "is not a JSON object")
        }
        func int(_ k: String, _ d: Int? = nil) throws -> Int {
            guard let v = obj[k], !v.isNull else {
                if let d { return d }
                throw EncoderError.badField(file: file, field: k, reason: "is missing")
            }
            guard let n = v.intValue, n > 0 || k == "pad_token_id" else {
                throw EncoderError.badField(file: file, field: k, reason: "must be a positive integer")
            }
            return n
        }
        let mt = obj["model_type"]?.stringValue ?? ""
        guard let fam = Family(rawValue: mt) else { throw EncoderError.unsupported(file: file, field: "model_type", value: mt) }
        family = fam
        vocabSize = try int("vocab_size")
        hiddenSize = try int("hidden_size")
        numHiddenLayers = try int("num_hidden_layers")
        numAttentionHeads = try int("num_attention_heads")
        intermediateSize = try int("intermediate_size")
        maxPositionEmbeddings = try int("max_position_embeddings")
        typeVocabSize = try int("type_vocab_size", 2)
        padTokenId = try int("pad_token_id", fam == .bert ? 0 : 1)
        layerNormEps = Float(obj["layer_norm_eps"]?.doubleValue ?? 1e-12)
        if let m = obj["id2label"]?.objectValue { numLabels = m.count } else { numLabels = try int("num_labels", 2) }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw EncoderError.badField(file: file, field: "num_attention_heads",
                                        reason: "\(numAttentionHeads) does not divide hidden_size \(hiddenSize)")
        }
        let act = obj["hidden_act"]?.stringValue ?? "gelu"
        guard act == "gelu" else { throw EncoderError.unsupported(file: file, field: "hidden_act", value: act) }
        let pos = obj["position_embedding_type"]?.stringValue ?? "absolute"
        guard pos == "absolute" else { throw EncoderError.unsupported(file: file, field: "position_embedding_type", value: pos) }
        if obj["is_decoder"]?.boolValue == true { throw EncoderError.unsupported(file: file, field: "is_decoder", value: "true") }
    }
}
