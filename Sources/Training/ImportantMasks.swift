import Foundation
import Tensors

/// Where each loss token's important flag comes from.
public enum ImportantMasks {
    /// All tokens unimportant (SFT; GO then falls back to the unimportant group every step).
    case none
    /// A seeded Bernoulli(fraction) mask per example, independent of order (one stream per dataset index),
    /// the stand-in until a grouping function writes masks.
    case random(fraction: Double, seed: UInt64)
    /// Masks read from a grouping function's JSONL file, keyed by dataset index.
    case precomputed([Int: [Bool]])

    public var summary: String {
        switch self {
        case .none: return "none"
        case .random(let p, let seed): return "random(fraction: \(p), seed: \(seed))"
        case .precomputed(let m): return "file(\(m.count) examples)"
        }
    }

    public func mask(for e: TokenizedExample) throws -> [Bool] {
        switch self {
        case .none: return [Bool](repeating: false, count: e.lossTokenCount)
        case .random(let p, let seed):
            // Streams 2^40 + index: apart from the epoch-order streams (one per epoch) of the same seed.
            let rng = Philox4x32(seed: seed, stream: (1 << 40) + UInt64(e.index))
            return (0..<e.lossTokenCount).map { Double(rng.uniform(UInt64($0))) < p }
        case .precomputed(let m):
            guard let mask = m[e.index] else {
                throw TrainingError.config("the important-mask file has no line for example \(e.index) (\(e.location))")
            }
            return mask
        }
    }

    /// Reads `{"index": i, "ids": [...], "scores": [...], "important": [0/1, ...]}` lines and checks
    /// each against the dataset: `ids` must equal that example's loss tokens, `important` must have
    /// one flag per id, every example must be present once.
    public static func read(_ url: URL, dataset: SFTDataset) throws -> ImportantMasks {
        let file = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.unreadable(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let byIndex = Dictionary(dataset.examples.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        var masks: [Int: [Bool]] = [:]
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ [0x20, 0x0D, 0x09].contains($0) }) { continue }
            let lineNo = n + 1
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let i = (o["index"] as? NSNumber)?.intValue,
                  let ids = (o["ids"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let imp = (o["important"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }) else {
                throw TrainingError.maskMismatch(file: file, line: lineNo, example: -1,
                                                 reason: "not an object with integer `index`, `ids` and `important`")
            }
            guard let e = byIndex[i] else {
                // Rows the dataset skipped (or never had) may appear; they are simply unused.
                continue
            }
            guard masks[i] == nil else {
                throw TrainingError.maskMismatch(file: file, line: lineNo, example: i, reason: "example listed twice")
            }
            let own = e.lossTokenIds
            guard ids == own else {
                let at = zip(ids, own).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset ?? min(ids.count, own.count)
                throw TrainingError.maskMismatch(file: file, line: lineNo, example: i,
                    reason: "loss-token ids differ from this dataset's (\(ids.count) vs \(own.count) tokens, first difference at \(at)): built with another tokenizer, template or data?")
            }
            guard imp.count == ids.count, imp.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw TrainingError.maskMismatch(file: file, line: lineNo, example: i,
                                                 reason: "`important` needs one 0/1 per id (\(imp.count) for \(ids.count))")
            }
            masks[i] = imp.map { $0 == 1 }
        }
        if let missing = dataset.examples.first(where: { masks[$0.index] == nil }) {
            throw TrainingError.maskMismatch(file: file, line: 0, example: missing.index,
                                             reason: "no mask line for this example (\(missing.location))")
        }
        return .precomputed(masks)
    }
}
