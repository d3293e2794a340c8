import Foundation

/// tokenizer.json `model` of type WordPiece (BERT): greedy longest-match-first over the vocabulary,
/// pieces after the first carrying the continuing-subword prefix ("##"). As tokenizers'
/// `WordPiece::tokenize`, a word longer than `max_input_chars_per_word` scalars, or one with any
/// position where no vocabulary entry matches, becomes the single unknown token.
final class WordPieceModel {
    let vocab: [String: Int]
    let idToToken: [String?]
    let unkId: Int
    let prefix: [UInt32]
    let maxInputCharsPerWord: Int
    /// The vocabulary keyed by scalars, so the greedy search needs no String per probe.
    private let byScalars: [[UInt32]: Int]
    var collectLengths = false
    var lengths: [Int] = []
    private var key: [UInt32] = []
    private var found: [(id: Int, bytes: Int)] = []

    init(_ j: JSONNode) throws {
        let (vocab, itt) = try TokenModels.vocabulary(j)
        self.vocab = vocab
        idToToken = itt
        var bs: [[UInt32]: Int] = [:]
        bs.reserveCapacity(vocab.count)
        for (k, id) in vocab { bs[k.scalarValues] = id }
        byScalars = bs
        let unk = try j["unk_token"].isNull ? "[UNK]" : j["unk_token"].string()
        guard let u = vocab[unk] else { throw j["unk_token"].fail("'\(unk)' is not in the vocabulary") }
        unkId = u
        prefix = try j["continuing_subword_prefix"].isNull ? Array("##".unicodeScalars.map { $0.value })
            : j["continuing_subword_prefix"].string().scalarValues
        let m = j["max_input_chars_per_word"].isNull ? 100 : try j["max_input_chars_per_word"].int()
        guard m > 0 else { throw j["max_input_chars_per_word"].fail("must be positive") }
        maxInputCharsPerWord = m
    }

    func tokenize(_ s: [UInt32], _ lo: Int, _ hi: Int, byteLevel: Bool, into out: inout [Int]) {
        guard hi > lo else { return }
        if hi - lo > maxInputCharsPerWord { unknown(s, lo, hi, &out); return }
        found.removeAll(keepingCapacity: true)
        var start = lo
        while start < hi {
            var end = hi
            var match: Int? = nil
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > lo { key.append(contentsOf: prefix) }
                key.append(contentsOf: s[start..<end])
                if let id = byScalars[key] { match = id; break }
                end -= 1
            }
            guard let id = match else { unknown(s, lo, hi, &out); return }
            var bytes = 0
            for i in start..<end { bytes += utf8Length(s[i]) }
            found.append((id, bytes))
            start = end
        }
        for f in found {
            out.append(f.id)
            if collectLengths { lengths.append(f.bytes) }
        }
    }

    private func unknown(_ s: [UInt32], _ lo: Int, _ hi: Int, _ out: inout [Int]) {
        out.append(unkId)
        if collectLengths {
            var bytes = 0
            for i in lo..<hi { bytes += utf8Length(s[i]) }
            lengths.append(bytes)
        }
    }
}

extension WordPieceModel: TokenModel {}
