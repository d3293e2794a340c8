import Foundation

/// Where an example came from: the file and its 0-based row (array element or JSONL line).
public struct DataLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var row: Int
    public init(file: String, row: Int) { self.file = file; self.row = row }
    public var description: String { "\(file) row \(row)" }
}

/// Every failure of the Training module, each naming what the user must look at.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case badRow(DataLocation, reason: String)
    case noLossTokens(DataLocation)
    case lossTokensCut(DataLocation, lossTokens: Int, kept: Int, maxLength: Int)
    case chatFormat(String)
    case maskMismatch(file: String, line: Int, example: Int, reason: String)
    case nonFiniteLoss(step: Int, examples: [Int], value: Double)
    case config(String)
    case checkpoint(String)

    /// What is wrong, without the remedy: the line a skipped row gets in the log and run.json.
    public var condition: String {
        switch self {
        case .noLossTokens(let l): return "\(l): the example has no loss tokens (nothing to train on)"
        case .lossTokensCut(let l, let n, let kept, let m):
            return "\(l): the context limit \(m) cuts loss tokens (\(kept) of \(n) kept)"
        default: return description
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): \(r)"
        case .badRow(let l, let r): return "\(l): \(r)"
        case .noLossTokens: return "\(condition); pass --skip-invalid to drop it"
        case .lossTokensCut: return "\(condition); raise --cutoff-len or pass --skip-invalid"
        case .chatFormat(let s): return "chat format: \(s)"
        case .maskMismatch(let f, let line, let ex, let r): return "\(f) line \(line) (example \(ex)): \(r)"
        case .nonFiniteLoss(let s, let ex, let v):
            return "non-finite loss \(v) at optimiser step \(s) (batch of examples \(ex)); the last good checkpoint is kept"
        case .config(let s): return "config: \(s)"
        case .checkpoint(let s): return "checkpoint: \(s)"
        }
    }
}
