import Foundation

/// tokenizer.json / tokenizer_config.json / special_tokens_map.json from a GGUF's embedded
/// `tokenizer.ggml.*` vocabulary (BPE "gpt2" models), laid out as the `tokenizers` library writes
/// them for the original model.
///
/// Where transformers' own GGUF converter differs, we follow the file:
/// - eos is `tokenizer.ggml.eos_token_id` (transformers names SmolLM2's eos `<|im_start|>`);
/// - BOS is prepended only when `tokenizer.ggml.add_bos_token` is true (transformers always does);
/// - the pre-tokenizer follows `tokenizer.ggml.pre` (transformers ignores it): "smollm" is
///   llama.cpp's `\p{N}` split then the GPT-2 regex, i.e. Digits(individual) + ByteLevel.
public enum GGUFTokenizer {
    /// llama.cpp token types.
    enum TokenType: Int { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    public struct Files {
        public var tokenizer: JSONValue
        public var tokenizerConfig: JSONValue
        public var specialTokensMap: JSONValue
    }

    static let byteLevel: JSONValue = .object([
        ("type", .string("ByteLevel")), ("add_prefix_space", .bool(false)), ("trim_offsets", .bool(true)),
        ("use_regex", .bool(true)),
    ])

    /// The pre-tokenizer llama.cpp applies for each `tokenizer.ggml.pre` value, in `tokenizers` terms.
    static func preTokenizer(_ pre: String, file: String) throws -> (JSONValue, ignoreMerges: Bool) {
        switch pre {
        case "smollm", "starcoder", "refact", "codeshell":
            return (.object([("type", .string("Sequence")), ("pretokenizers", .array([
                .object([("type", .string("Digits")), ("individual_digits", .bool(true))]), byteLevel,
            ]))]), false)
        case "gpt-2", "gpt2", "default", "mpt", "olmo":
            return (byteLevel, false)
        case "llama-bpe", "llama3", "llama-v3":
            let regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            return (.object([("type", .string("Sequence")), ("pretokenizers", .array([
                .object([("type", .string("Split")), ("pattern", .object([("Regex", .string(regex))])),
                         ("behavior", .string("Isolated")), ("invert", .bool(false))]),
                .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(false)),
                         ("trim_offsets", .bool(true)), ("use_regex", .bool(false))]),
            ]))]), true)
        default:
            throw GGUFError.unsupported(file: file, field: "tokenizer.ggml.pre",
                                        reason: "pre-tokenizer '\(pre)' is not known to the importer")
        }
    }

    public static func build(_ f: GGUFFile, config: LlamaConfig) throws -> Files {
        let model = try f.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw GGUFError.unsupported(file: f.path, field: "tokenizer.ggml.model",
                                        reason: "'\(model ?? "(missing)")' (only byte-level BPE 'gpt2' is imported)")
        }
        guard let tokens = try f.stringArray("tokenizer.ggml.tokens") else {
            throw GGUFError.missingField(file: f.path, field: "tokenizer.ggml.tokens")
        }
        guard let merges = try f.stringArray("tokenizer.ggml.merges") else {
            throw GGUFError.missingField(file: f.path, field: "tokenizer.ggml.merges")
        }
        let types = try f.intArray("tokenizer.ggml.token_type") ?? Array(repeating: 1, count: tokens.count)
        guard types.count == tokens.count else {
            throw GGUFError.badValue(file: f.path, field: "tokenizer.ggml.token_type",
                                     reason: "\(types.count) entries for \(tokens.count) tokens")
        }
        func tokenId(_ key: String) throws -> Int? {
            guard let id = try f.int(key) else { return nil }
            guard id >= 0, id < tokens.count else {
                throw GGUFError.badValue(file: f.path, field: key, reason: "id \(id) outside the vocabulary (\(tokens.count))")
            }
            return id
        }
        let bos = try tokenId("tokenizer.ggml.bos_token_id")
        let eos = try tokenId("tokenizer.ggml.eos_token_id")
        let unk = try tokenId("tokenizer.ggml.unknown_token_id")
        let pad = try tokenId("tokenizer.ggml.padding_token_id")
        let addBOS = try f.bool("tokenizer.ggml.add_bos_token") ?? false
        let addEOS = try f.bool("tokenizer.ggml.add_eos_token") ?? false
        let (pre, ignoreMerges) = try preTokenizer(try f.string("tokenizer.ggml.pre") ?? "default", file: f.path)

        var vocab: [(String, JSONValue)] = []
        vocab.reserveCapacity(tokens.count)
        var seen = Set<String>()
        var added: [JSONValue] = []
        var addedDecoder: [(String, JSONValue)] = []
        for (id, tok) in tokens.enumerated() {
            // A duplicate string would make vocab ambiguous; keep the first id, as tokenizers does.
            if seen.insert(tok).inserted { vocab.append((tok, .int(id))) }
            let type = TokenType(rawValue: types[id]) ?? .normal
            guard type == .control || type == .userDefined else { continue }
            let special = type == .control
            added.append(.object([
                ("id", .int(id)), ("content", .string(tok)), ("single_word", .bool(false)),
                ("lstrip", .bool(false)), ("rstrip", .bool(false)), ("normalized", .bool(!special)),
                ("special", .bool(special)),
            ]))
            addedDecoder.append((String(id), .object([
                ("content", .string(tok)), ("lstrip", .bool(false)), ("normalized", .bool(!special)),
                ("rstrip", .bool(false)), ("single_word", .bool(false)), ("special", .bool(special)),
            ])))
        }
        let mergePairs: [JSONValue] = try merges.enumerated().map { k, m in
            let parts = m.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw GGUFError.badValue(file: f.path, field: "tokenizer.ggml.merges[\(k)]",
                                         reason: "'\(m)' is not two tokens separated by one space")
            }
            return .array([.string(String(parts[0])), .string(String(parts[1]))])
        }

        let postProcessor: JSONValue
        if addBOS || addEOS {
            var single: [JSONValue] = [], specials: [(String, JSONValue)] = []
            func special(_ id: Int?, _ what: String) throws {
                guard let id else {
                    throw GGUFError.missingField(file: f.path, field: "tokenizer.ggml.\(what)_token_id")
                }
                single.append(.object([("SpecialToken", .object([("id", .string(tokens[id])), ("type_id", .int(0))]))]))
                specials.append((tokens[id], .object([("id", .string(tokens[id])), ("ids", .array([.int(id)])),
                                                      ("tokens", .array([.string(tokens[id])]))])))
            }
            if addBOS { try special(bos, "bos") }
            single.append(.object([("Sequence", .object([("id", .string("A")), ("type_id", .int(0))]))]))
            if addEOS { try special(eos, "eos") }
            var pair = single
            pair += single.map { piece -> JSONValue in
                // The second sequence is B with type_id 1.
                if piece["Sequence"] != nil { return .object([("Sequence", .object([("id", .string("B")), ("type_id", .int(1))]))]) }
                let id = piece["SpecialToken"]!["id"]!
                return .object([("SpecialToken", .object([("id", id), ("type_id", .int(1))]))])
            }
            postProcessor = .object([("type", .string("TemplateProcessing")), ("single", .array(single)),
                                     ("pair", .array(pair)), ("special_tokens", .object(JSONObject(specials)))])
        } else {
            postProcessor = .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                                     ("trim_offsets", .bool(false)), ("use_regex", .bool(true))])
        }

        let tokenizer: JSONValue = .object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array(added)),
            ("normalizer", .null),
            ("pre_tokenizer", pre),
            ("post_processor", postProcessor),
            ("decoder", .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                                 ("trim_offsets", .bool(true)), ("use_regex", .bool(true))])),
            ("model", .object([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", unk.map { .string(tokens[$0]) } ?? .null),
                ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null), ("fuse_unk", .bool(false)),
                ("byte_fallback", .bool(false)), ("ignore_merges", .bool(ignoreMerges)),
                ("vocab", .object(JSONObject(vocab))), ("merges", .array(mergePairs)),
            ])),
        ])

        var named: [(String, JSONValue)] = []
        if let bos { named.append(("bos_token", .string(tokens[bos]))) }
        if let eos { named.append(("eos_token", .string(tokens[eos]))) }
        if let pad { named.append(("pad_token", .string(tokens[pad]))) }
        if let unk { named.append(("unk_token", .string(tokens[unk]))) }
        var cfg: [(String, JSONValue)] = [
            ("add_bos_token", .bool(addBOS)), ("add_eos_token", .bool(addEOS)), ("add_prefix_space", .bool(false)),
            ("added_tokens_decoder", .object(JSONObject(addedDecoder))),
        ]
        cfg += named
        if let t = try f.string("tokenizer.chat_template") { cfg.append(("chat_template", .string(t))) }
        cfg += [("clean_up_tokenization_spaces", .bool(false)), ("model_max_length", .int(config.maxPositionEmbeddings)),
                ("tokenizer_class", .string("GPT2Tokenizer")), ("vocab_size", .int(tokens.count))]
        return Files(tokenizer: tokenizer, tokenizerConfig: .object(JSONObject(cfg)), specialTokensMap: .object(JSONObject(named)))
    }
}
