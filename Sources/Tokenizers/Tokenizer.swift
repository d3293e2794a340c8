import Checkpoints
import Foundation

/// A Hugging Face tokenizer loaded from tokenizer.json (+ tokenizer_config.json), producing the
/// same ids as the `tokenizers` library and decoding as `transformers` does.
///
/// Encoding: added tokens are cut out of the raw text, the rest is normalised, pre-tokenised into
/// pieces, and each piece goes through the BPE model (memoised per piece). Instances may be shared
/// between threads: encode/decode take an internal lock.
public final class Tokenizer {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: any TokenModel
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    let addedTokens: [AddedToken]
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let byteLevel: Bool
    private let addedById: [Int: AddedToken]
    private let addedByContent: [String: Int]

    /// Size of the id space (largest id + 1), i.e. rows of the embedding table needed.
    public let vocabSize: Int
    /// tokenizer.json `model.type`: "BPE", "WordPiece" or "Unigram".
    public let modelType: String
    /// From tokenizer_config.json `bos_token` / `eos_token` (what transformers reports).
    public let bosTokenId: Int?
    public let eosTokenId: Int?
    /// The bos/eos token strings of tokenizer_config.json (used by chat templates).
    public let bosToken: String?
    public let eosToken: String?
    /// generation_config.json `eos_token_id` (one or several), when that file is present.
    public let generationEosTokenIds: [Int]
    public let cleanUpTokenizationSpaces: Bool
    /// tokenizer_config.json `chat_template`, if any.
    public let chatTemplate: String?

    private let lock = NSLock()
    private var cache = PieceCache(capacity: Tokenizer.cacheLimit)
    private var segScratch: [(Int, Int, Bool)] = []
    private static let cacheLimit = 400_000
    private static let cachedPieceMaxLength = 128

    public convenience init(tokenizerJSON: URL, tokenizerConfig: URL?) throws {
        try self.init(tokenizerJSON: tokenizerJSON, tokenizerConfig: tokenizerConfig, generationConfig: nil)
    }

    /// From files (a model folder is read by Models' ModelFolder, which passes parsed JSON instead).
    public convenience init(tokenizerJSON: URL, tokenizerConfig: URL?, generationConfig: URL?) throws {
        try self.init(parsed: JSONNode.load(tokenizerJSON), config: tokenizerConfig.map(JSONNode.load),
                      generation: generationConfig.map(JSONNode.load))
    }

    /// From JSON already parsed by the project's parser, each value with its file's path for errors.
    public convenience init(tokenizerJSON: JSONValue, path: String, tokenizerConfig: (JSONValue, String)?,
                            generationConfig: (JSONValue, String)?) throws {
        try self.init(parsed: .root(tokenizerJSON, path: path), config: tokenizerConfig.map { .root($0.0, path: $0.1) },
                      generation: generationConfig.map { .root($0.0, path: $0.1) })
    }

    init(parsed j: JSONNode, config: JSONNode?, generation: JSONNode?) throws {
        normalizer = try Normalizer.parse(j["normalizer"])
        preTokenizer = try PreTokenizer.parse(j["pre_tokenizer"])
        model = try TokenModels.parse(try j.required("model"))
        modelType = try j["model"].required("type").string()
        postProcessor = try PostProcessor.parse(j["post_processor"])
        decoder = try Decoder.parse(j["decoder"])
        byteLevel = try preTokenizer?.endsWithByteLevel() ?? false

        var added: [AddedToken] = []
        if !j["added_tokens"].isNull {
            for t in try j["added_tokens"].array() { added.append(try AddedToken(t)) }
        }
        addedTokens = added
        var byId: [Int: AddedToken] = [:]
        var byContent: [String: Int] = [:]
        for t in added { byId[t.id] = t; byContent[t.content] = t.id }
        addedById = byId
        addedByContent = byContent
        // tokenizers matches special tokens first, then the other added tokens; patterns are the
        // same set either way since matching is leftmost-longest over all of them.
        let raw = added.filter { !$0.normalized }
        let norm = added.filter { $0.normalized }
        rawMatcher = AddedTokenMatcher(tokens: raw, patterns: raw.map { $0.content.scalarValues })
        let nz = normalizer
        normalizedMatcher = AddedTokenMatcher(
            tokens: norm, patterns: norm.map { t in nz.map { $0.apply(t.content.scalarValues) } ?? t.content.scalarValues })

        vocabSize = max(model.idToToken.count, (added.map { $0.id }.max() ?? -1) + 1)

        var bos: Int? = nil, eos: Int? = nil, cleanUp = false, template: String? = nil
        var bosName: String? = nil, eosName: String? = nil
        if let c = config {
            func tokenName(_ key: String) -> String? {
                c[key].optString ?? c[key]["content"].optString
            }
            bosName = tokenName("bos_token")
            eosName = tokenName("eos_token")
            if let b = bosName { bos = byContent[b] ?? model.vocab[b] }
            if let e = eosName { eos = byContent[e] ?? model.vocab[e] }
            cleanUp = try c["clean_up_tokenization_spaces"].bool(default: false)
            if let t = c["chat_template"].optString {
                template = t
            } else if let list = c["chat_template"].optArray {
                // Named templates: the "default" one is what apply_chat_template uses.
                template = list.first { $0["name"].optString == "default" }?["template"].optString
            }
        }
        var genEos: [Int] = []
        if let g = generation {
            if let n = g["eos_token_id"].optInt { genEos = [n] }
            else if let a = g["eos_token_id"].optArray, a.allSatisfy({ $0.optInt != nil }) { genEos = a.map { $0.optInt! } }
        }
        bosTokenId = bos
        bosToken = bosName
        eosToken = eosName
        eosTokenId = eos
        generationEosTokenIds = genEos
        cleanUpTokenizationSpaces = cleanUp
        chatTemplate = template
    }

    // MARK: vocabulary

    public func id(for token: String) -> Int? { addedByContent[token] ?? model.vocab[token] }

    public func token(for id: Int) -> String? {
        if let t = addedById[id] { return t.content }
        guard id >= 0 && id < model.idToToken.count else { return nil }
        return model.idToToken[id]
    }

    public func isSpecial(_ id: Int) -> Bool { addedById[id]?.special ?? false }

    /// The model's unknown-token id (WordPiece, Unigram, BPE with `unk_token`): what transformers'
    /// `convert_tokens_to_ids` returns for a string that is not a token.
    public var unknownTokenId: Int? {
        switch model {
        case let m as WordPieceModel: return m.unkId
        case let m as UnigramModel: return m.unkId
        case let m as BPEModel: return m.unkId
        default: return nil
        }
    }

    // MARK: encode

    /// Token ids of `text`. Special tokens written in the text are recognised; with
    /// `addSpecialTokens` the post-processor template (e.g. BOS) is applied.
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        var buffers: [TextBuffer] = []
        let pieces = split(text, &buffers)
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        for p in pieces {
            if p.addedId >= 0 { ids.append(p.addedId); continue }
            modelTokens(buffers[p.buf].s, p.lo, p.hi, into: &ids)
        }
        if addSpecialTokens, let pp = postProcessor { ids = pp.process(ids) }
        return ids
    }

    /// Token ids with the range of Unicode scalars of `text` each token comes from (tokenizers'
    /// character offsets, before any `trim_offsets` post-processing). Tokens added by the
    /// post-processor get an empty range at 0. Not memoised: slower than `encode`.
    public func encodeWithOffsets(_ text: String, addSpecialTokens: Bool = false) -> [(id: Int, offsets: Range<Int>)] {
        lock.lock()
        defer { lock.unlock() }
        var buffers: [TextBuffer] = []
        let pieces = split(text, &buffers)
        var out: [(id: Int, offsets: Range<Int>)] = []
        var ids: [Int] = []
        var starts: [Int] = []
        model.collectLengths = true
        defer { model.collectLengths = false }
        for p in pieces {
            let b = buffers[p.buf]
            guard p.hi > p.lo else { continue }
            if p.addedId >= 0 {
                out.append((p.addedId, Tokenizer.originRange(b, p.lo, p.hi)))
                continue
            }
            ids.removeAll(keepingCapacity: true)
            model.lengths.removeAll(keepingCapacity: true)
            model.tokenize(b.s, p.lo, p.hi, byteLevel: byteLevel, into: &ids)
            // Byte position of each scalar of the piece, to map token byte spans to scalars.
            starts.removeAll(keepingCapacity: true)
            var pos = 0
            for i in p.lo..<p.hi {
                starts.append(pos)
                let c = b.s[i]
                pos += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
            }
            var byte = 0, k = 0
            for (id, len) in zip(ids, model.lengths) {
                let end = byte + len
                while k + 1 < starts.count && starts[k + 1] <= byte { k += 1 }
                var last = k
                while last + 1 < starts.count && starts[last + 1] < end { last += 1 }
                out.append((id, Tokenizer.originRange(b, p.lo + k, p.lo + last + 1)))
                byte = end
            }
        }
        if addSpecialTokens, let pp = postProcessor {
            let plain = out.map { $0.id }
            let full = pp.process(plain)
            // Templates only insert ids around the sequence: align by finding it inside.
            if full != plain, let at = (0...(full.count - plain.count)).first(where: { Array(full[$0..<($0 + plain.count)]) == plain }) {
                var merged: [(id: Int, offsets: Range<Int>)] = full[..<at].map { ($0, 0..<0) }
                merged += out
                merged += full[(at + plain.count)...].map { ($0, 0..<0) }
                out = merged
            }
        }
        return out
    }

    static func originRange(_ b: TextBuffer, _ lo: Int, _ hi: Int) -> Range<Int> {
        var a = Int(b.o[lo]), z = Int(b.o[lo])
        for i in lo..<hi { a = min(a, Int(b.o[i])); z = max(z, Int(b.o[i])) }
        return a..<(z + 1)
    }

    /// Added-token extraction, normalisation and pre-tokenisation: the pieces the model sees.
    func split(_ text: String, _ buffers: inout [TextBuffer]) -> [Piece] {
        let s = text.scalarValues
        let o = (0..<Int32(s.count)).map { $0 }
        buffers.append(TextBuffer(s: s, o: Array(o)))
        var pieces: [Piece] = []
        rawMatcher.split(Piece(buf: 0, lo: 0, hi: s.count), buffers[0], into: &pieces)
        var normalizedPieces: [Piece] = []
        normalizedPieces.reserveCapacity(pieces.count)
        for p in pieces {
            if p.addedId >= 0 { normalizedPieces.append(p); continue }
            var q = p
            if let n = normalizer {
                let src = buffers[p.buf]
                let nb = n.normalize(TextBuffer(s: Array(src.s[p.lo..<p.hi]), o: Array(src.o[p.lo..<p.hi])))
                buffers.append(nb)
                q = Piece(buf: buffers.count - 1, lo: 0, hi: nb.s.count)
            }
            normalizedMatcher.split(q, buffers[q.buf], into: &normalizedPieces)
        }
        pieces = normalizedPieces.filter { $0.addedId >= 0 || $0.hi > $0.lo }
        if let pt = preTokenizer { pt.apply(&pieces, &buffers, &segScratch) }
        return pieces
    }

    @inline(__always)
    private func modelTokens(_ s: [UInt32], _ lo: Int, _ hi: Int, into ids: inout [Int]) {
        let cacheable = hi - lo <= Tokenizer.cachedPieceMaxLength
        var h: UInt64 = 0
        if cacheable {
            h = PieceCache.hash(s, lo, hi)
            if cache.lookup(s, lo, hi, h, into: &ids) { return }
        }
        let start = ids.count
        model.tokenize(s, lo, hi, byteLevel: byteLevel, into: &ids)
        if cacheable { cache.insert(s, lo, hi, h, ids: ids[start...]) }
    }

    // MARK: decode

    /// Text of `ids`, as transformers' `decode` (tokenizers' decoder chain, then the
    /// `clean_up_tokenization_spaces` rewrite when tokenizer_config.json asks for it).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        let text = decodeChain(ids, skipSpecialTokens: skipSpecialTokens)
        return cleanUpTokenizationSpaces ? Tokenizer.cleanUp(text) : text
    }

    /// transformers' fast-tokenizer `convert_tokens_to_string`: the decoder chain only, without the
    /// `clean_up_tokenization_spaces` rewrite.
    public func convertTokensToString(_ ids: [Int]) -> String { decodeChain(ids, skipSpecialTokens: false) }

    private func decodeChain(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let a = addedById[id] {
                if skipSpecialTokens && a.special { continue }
                tokens.append(a.content)
            } else if id >= 0 && id < model.idToToken.count, let t = model.idToToken[id] {
                tokens.append(t)
            }
        }
        if let d = decoder { return d.decodeChain(tokens).joined() }
        return tokens.joined(separator: " ")
    }

    private static let cleanUpRules: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    static func cleanUp(_ s: String) -> String {
        var t = s
        for (a, b) in cleanUpRules { t = replaceBytes(t, a, b) }
        return t
    }
}
