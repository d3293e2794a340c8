import Checkpoints
import Foundation

/// tokenizer.json `model` of type Unigram (SentencePiece unigram, e.g. XLM-RoBERTa): the best
/// segmentation of a piece by the sum of piece scores, as `tokenizers`' `encode_optimized`
/// (SentencePiece's unigram_model.cc) finds it:
/// * Viterbi over UTF-8 byte positions, starting only at character boundaries; every vocabulary
///   piece that prefixes the rest of the text is a candidate edge, scores added in Float64;
/// * a node keeps the first candidate that reaches it unless a later one is strictly better
///   (earlier starts first, shorter pieces first from one start);
/// * where no single-character piece starts, the character is an unknown edge scored
///   `min(score) - 10`;
/// * adjacent unknowns are fused into one token, whose id is the vocabulary's id for the fused
///   text if there is one, else `unk_id`. Byte fallback is not implemented (refused at load).
final class UnigramModel {
    let vocab: [String: Int]
    let idToToken: [String?]
    let scores: [Double]
    let unkId: Int
    let unkScore: Double
    private let trie: PieceTrie
    var collectLengths = false
    var lengths: [Int] = []
    private var bytes: [UInt8] = []
    private var best: [(score: Double, start: Int, id: Int)] = []
    private var found: [(id: Int, len: Int)] = []

    init(_ j: JSONNode) throws {
        let list = try j.required("vocab").array()
        var pieces: [String] = []
        var sc: [Double] = []
        pieces.reserveCapacity(list.count)
        sc.reserveCapacity(list.count)
        for e in list {
            // Scores must be correctly rounded (as serde's f64 is): a 1-ulp error breaks a tie between two
            // segmentations the other way. Checkpoints' parser reads the decimal text with Double(_:)
            // (Foundation's NSDecimalNumber path was 1–2 ulp off on Linux).
            guard let pair = e.value?.arrayValue, pair.count == 2, let p = pair[0].stringValue, let s = pair[1].doubleValue else {
                throw e.fail("must be a [piece, score] pair")
            }
            pieces.append(p)
            sc.append(s)
        }
        guard !pieces.isEmpty else { throw j["vocab"].fail("is empty") }
        if try j["byte_fallback"].bool(default: false) {
            throw TokenizerError.unsupportedType(component: "model", type: "Unigram with byte_fallback")
        }
        guard let u = j["unk_id"].optInt else { throw j["unk_id"].fail("must be set (Unigram without unk_id is not supported)") }
        guard u >= 0 && u < pieces.count else { throw j["unk_id"].fail("\(u) is outside the vocabulary") }
        unkId = u
        scores = sc
        unkScore = (sc.min() ?? 0) - 10.0
        var v: [String: Int] = [:]
        v.reserveCapacity(pieces.count)
        for (i, p) in pieces.enumerated() { v[p] = i }
        vocab = v
        idToToken = pieces.map { Optional($0) }
        trie = PieceTrie(pieces.map { Array($0.utf8) })
    }

    func tokenize(_ s: [UInt32], _ lo: Int, _ hi: Int, byteLevel: Bool, into out: inout [Int]) {
        guard hi > lo else { return }
        bytes.removeAll(keepingCapacity: true)
        for i in lo..<hi { appendUTF8(s[i], to: &bytes) }
        let n = bytes.count
        best.removeAll(keepingCapacity: true)
        best.append(contentsOf: repeatElement((score: 0.0, start: -1, id: -1), count: n + 1))
        var start = 0
        var k = lo
        bytes.withUnsafeBufferPointer { b in
            while start < n {
                let here = best[start].score
                let mblen = utf8Length(s[k])
                var single = false
                trie.prefixes(b, from: start) { end, id in
                    let cand = scores[id] + here
                    if best[end].start < 0 || cand > best[end].score { best[end] = (cand, start, id) }
                    if end - start == mblen { single = true }
                }
                if !single {
                    let cand = unkScore + here
                    if best[start + mblen].start < 0 || cand > best[start + mblen].score { best[start + mblen] = (cand, start, unkId) }
                }
                start += mblen
                k += 1
            }
        }
        // Back-track, fusing runs of unknowns.
        found.removeAll(keepingCapacity: true)
        var end = n
        var unkEnd = -1
        while end > 0 {
            let node = best[end]
            if node.id == unkId {
                if unkEnd < 0 { unkEnd = end }
            } else {
                if unkEnd >= 0 { found.append((fusedId(end, unkEnd), unkEnd - end)); unkEnd = -1 }
                found.append((node.id, end - node.start))
            }
            end = node.start
        }
        if unkEnd >= 0 { found.append((fusedId(0, unkEnd), unkEnd)) }
        for f in found.reversed() {
            out.append(f.id)
            if collectLengths { lengths.append(f.len) }
        }
    }

    /// The id of a fused unknown span: the piece it spells, when it is one, else unk.
    private func fusedId(_ lo: Int, _ hi: Int) -> Int {
        vocab[String(decoding: bytes[lo..<hi], as: UTF8.self)] ?? unkId
    }
}

extension UnigramModel: TokenModel {}

/// A byte trie of the vocabulary pieces, flattened: each node's edges are contiguous and sorted by
/// label; the root has a direct 256-entry table. A node's value is the piece id (the last id when
/// a piece is listed twice, as tokenizers' token → id map keeps it), -1 for none.
struct PieceTrie {
    private var value: [Int32] = []
    private var firstEdge: [Int32] = []
    private var edgeCount: [Int32] = []
    private var labels: [UInt8] = []
    private var targets: [Int32] = []
    private var root = [Int32](repeating: -1, count: 256)

    init(_ keys: [[UInt8]]) {
        let order = keys.indices.sorted { a, b in
            keys[a].lexicographicallyPrecedes(keys[b]) || (keys[a] == keys[b] && a < b)
        }
        _ = build(keys, order, 0, order.count, 0)
        for e in 0..<Int(edgeCount[0]) { root[Int(labels[Int(firstEdge[0]) + e])] = targets[Int(firstEdge[0]) + e] }
    }

    /// Builds the node for keys order[lo..<hi], which share their first `depth` bytes.
    private mutating func build(_ keys: [[UInt8]], _ order: [Int], _ lo: Int, _ hi: Int, _ depth: Int) -> Int32 {
        let node = Int32(value.count)
        value.append(-1)
        firstEdge.append(0)
        edgeCount.append(0)
        var i = lo
        while i < hi && keys[order[i]].count == depth { value[Int(node)] = Int32(order[i]); i += 1 }
        var groups: [(UInt8, Int, Int)] = []
        while i < hi {
            let c = keys[order[i]][depth]
            var j = i + 1
            while j < hi && keys[order[j]][depth] == c { j += 1 }
            groups.append((c, i, j))
            i = j
        }
        let first = labels.count
        firstEdge[Int(node)] = Int32(first)
        edgeCount[Int(node)] = Int32(groups.count)
        for (c, _, _) in groups { labels.append(c); targets.append(-1) }
        for (e, g) in groups.enumerated() { targets[first + e] = build(keys, order, g.1, g.2, depth + 1) }
        return node
    }

    /// Calls `hit(end, id)` for every piece that equals b[from..<end], in increasing length.
    @inline(__always)
    func prefixes(_ b: UnsafeBufferPointer<UInt8>, from: Int, _ hit: (Int, Int) -> Void) {
        guard from < b.count else { return }
        var node = Int(root[Int(b[from])])
        var pos = from + 1
        while node >= 0 {
            if value[node] >= 0 { hit(pos, Int(value[node])) }
            guard pos < b.count else { return }
            let c = b[pos]
            let f = Int(firstEdge[node]), n = Int(edgeCount[node])
            var next = -1
            for e in f..<(f + n) where labels[e] == c { next = Int(targets[e]); break }
            node = next
            pos += 1
        }
    }
}
