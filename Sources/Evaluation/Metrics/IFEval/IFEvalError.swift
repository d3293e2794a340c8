import Foundation

/// What can go wrong building or running the IFEval checkers; each case names what to fix.
public enum IFEvalError: Error, CustomStringConvertible, Equatable {
    case unknownInstruction(String)
    case badArgument(instruction: String, key: String, reason: String)
    case resourceMissing(path: String, hint: String)
    case badResource(file: String, line: Int, reason: String)
    case badDocument(key: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownInstruction(id): return "IFEval: unknown instruction id '\(id)'"
        case let .badArgument(i, k, r): return "IFEval: instruction '\(i)', kwarg '\(k)': \(r)"
        case let .resourceMissing(p, h): return "IFEval: resource not found at \(p). \(h)"
        case let .badResource(f, l, r): return "IFEval: \(f):\(l): \(r)"
        case let .badDocument(k, r): return "IFEval: document \(k): \(r)"
        }
    }
}
