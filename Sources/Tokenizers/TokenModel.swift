import Foundation

/// tokenizer.json `model`: turns one pre-tokenised piece into ids. BPE (byte-level and
/// SentencePiece-style), WordPiece (BERT) and Unigram (XLM-R) share the Tokenizer pipeline around them.
protocol TokenModel: AnyObject {
    var vocab: [String: Int] { get }
    var idToToken: [String?] { get }
    /// When set, `tokenize` also appends each token's length in UTF-8 bytes of the piece to
    /// `lengths` (token offsets are built from them).
    var collectLengths: Bool { get set }
    var lengths: [Int] { get set }
    func tokenize(_ s: [UInt32], _ lo: Int, _ hi: Int, byteLevel: Bool, into out: inout [Int])
}

extension BPEModel: TokenModel {}

enum TokenModels {
    static func parse(_ j: JSONNode) throws -> any TokenModel {
        let type = try j.required("type").string()
        switch type {
        case "BPE": return try BPEModel(j)
        case "WordPiece": return try WordPieceModel(j)
        case "Unigram": return try UnigramModel(j)
        default: throw TokenizerError.unsupportedType(component: "model", type: type)
        }
    }

    /// The model's `vocab` object (token → id) and its inverse (gaps nil).
    static func vocabulary(_ j: JSONNode) throws -> (vocab: [String: Int], idToToken: [String?]) {
        guard let v = j["vocab"].value?.objectValue else { throw j["vocab"].fail("must be an object") }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(v.count)
        var maxId = -1
        for (k, idValue) in v.pairs {
            guard let n = idValue.intValue else { throw j["vocab"][k].fail("must be an integer id") }
            vocab[k] = n
            maxId = max(maxId, n)
        }
        var itt = [String?](repeating: nil, count: maxId + 1)
        for (k, id) in vocab where id >= 0 { itt[id] = k }
        return (vocab, itt)
    }
}

@inline(__always) func utf8Length(_ c: UInt32) -> Int {
    c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
}
