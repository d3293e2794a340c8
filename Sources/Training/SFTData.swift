import Foundation
import Tokenizers

/// One training conversation before any chat format: alternating user/assistant messages, every
/// assistant message a target. `input` keeps Alpaca's separate `input` field of the last
/// instruction, which the plain Alpaca prompt prints in its own section (chat templates join it to
/// the instruction with "\n", as LLaMA-Factory does).
public struct SFTConversation: Equatable {
    public var messages: [ChatMessage]
    public var input: String?
    public var location: DataLocation
    public init(messages: [ChatMessage], input: String? = nil, location: DataLocation) {
        self.messages = messages; self.input = input; self.location = location
    }
}

/// Readers for the SFT files the paper trains on.
public enum SFTDataFormat: String, CaseIterable, Sendable {
    /// LLaMA-Factory's alpaca layout: a JSON array of {instruction, input, output, history?, system?};
    /// `history` is [[user, assistant], ...] before the final turn (the LIMA copy in shared/data/lima).
    case alpaca
    /// Upstream LIMA (GAIR/lima train.jsonl): one JSON object per line with `conversations`, a list of
    /// strings alternating user, assistant, user, ...
    case lima

    /// Guesses the format from the first row: `conversations` → lima, `instruction` → alpaca.
    public static func detect(_ url: URL) throws -> SFTDataFormat {
        let rows = try SFTData.jsonRows(url)
        guard let first = rows.first else { throw TrainingError.unreadable(file: url.path, reason: "no rows") }
        if first["conversations"] != nil { return .lima }
        if first["instruction"] != nil { return .alpaca }
        throw TrainingError.badRow(DataLocation(file: url.path, row: 0),
                                   reason: "neither `conversations` (LIMA) nor `instruction` (Alpaca) present")
    }
}

public enum SFTData {
    /// Reads every conversation of `url` in file order.
    public static func read(_ url: URL, format: SFTDataFormat? = nil) throws -> [SFTConversation] {
        let fmt = try format ?? SFTDataFormat.detect(url)
        let rows = try jsonRows(url)
        return try rows.enumerated().map { i, row in
            let loc = DataLocation(file: url.lastPathComponent, row: i)
            switch fmt {
            case .alpaca: return try alpaca(row, loc)
            case .lima: return try lima(row, loc)
            }
        }
    }

    /// A JSON array file, or JSON Lines (one object per non-empty line).
    static func jsonRows(_ url: URL) throws -> [[String: Any]] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.unreadable(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let head = data.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) })
        if head == UInt8(ascii: "[") {
            guard let arr = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
                throw TrainingError.unreadable(file: url.path, reason: "not a JSON array")
            }
            return try arr.enumerated().map { i, v in
                guard let o = v as? [String: Any] else {
                    throw TrainingError.badRow(DataLocation(file: url.lastPathComponent, row: i), reason: "not a JSON object")
                }
                return o
            }
        }
        var out: [[String: Any]] = []
        var row = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.allSatisfy({ [0x20, 0x0D, 0x09].contains($0) }) { continue }
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw TrainingError.badRow(DataLocation(file: url.lastPathComponent, row: row), reason: "not a JSON object")
            }
            out.append(o); row += 1
        }
        return out
    }

    static func string(_ row: [String: Any], _ key: String, _ loc: DataLocation, optional: Bool = false) throws -> String? {
        guard let v = row[key], !(v is NSNull) else {
            if optional { return nil }
            throw TrainingError.badRow(loc, reason: "missing field `\(key)`")
        }
        guard let s = v as? String else { throw TrainingError.badRow(loc, reason: "field `\(key)` is not a string") }
        return s
    }

    static func alpaca(_ row: [String: Any], _ loc: DataLocation) throws -> SFTConversation {
        let instruction = try string(row, "instruction", loc)!
        let input = try string(row, "input", loc, optional: true) ?? ""
        let output = try string(row, "output", loc)!
        var messages: [ChatMessage] = []
        if let sys = try string(row, "system", loc, optional: true), !sys.isEmpty {
            messages.append(ChatMessage(role: "system", content: sys))
        }
        if let h = row["history"], !(h is NSNull) {
            guard let turns = h as? [Any] else { throw TrainingError.badRow(loc, reason: "`history` is not a list") }
            for (j, t) in turns.enumerated() {
                guard let pair = t as? [Any], pair.count == 2, let q = pair[0] as? String, let a = pair[1] as? String else {
                    throw TrainingError.badRow(loc, reason: "`history[\(j)]` is not a [user, assistant] pair of strings")
                }
                messages.append(ChatMessage(role: "user", content: q))
                messages.append(ChatMessage(role: "assistant", content: a))
            }
        }
        let user = input.isEmpty ? instruction : instruction + "\n" + input
        messages.append(ChatMessage(role: "user", content: user))
        messages.append(ChatMessage(role: "assistant", content: output))
        return SFTConversation(messages: messages, input: input.isEmpty ? nil : input, location: loc)
    }

    static func lima(_ row: [String: Any], _ loc: DataLocation) throws -> SFTConversation {
        guard let c = row["conversations"] as? [Any] else { throw TrainingError.badRow(loc, reason: "missing list `conversations`") }
        guard c.count >= 2 else { throw TrainingError.badRow(loc, reason: "`conversations` needs a user and an assistant turn") }
        let messages: [ChatMessage] = try c.enumerated().map { j, v in
            guard let s = v as? String else { throw TrainingError.badRow(loc, reason: "`conversations[\(j)]` is not a string") }
            return ChatMessage(role: j % 2 == 0 ? "user" : "assistant", content: s)
        }
        return SFTConversation(messages: messages, location: loc)
    }
}
