import Foundation

/// `generation_config.json`: the token ids generation needs, every other field kept as written
/// (repetition_penalty, temperature, …) so that a round trip loses nothing.
public struct GenerationConfig: Equatable, Codable {
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var padTokenId: Int?
    /// All remaining keys, in file order.
    public var other: [String: JSONValue]

    public init(bosTokenId: Int? = nil, eosTokenIds: [Int] = [], padTokenId: Int? = nil,
                other: [String: JSONValue] = [:]) {
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.padTokenId = padTokenId
        self.other = other
    }

    public subscript(key: String) -> JSONValue? { other[key] }

    /// One generation_config.json file (a model folder is read by Models' ModelFolder).
    public static func load(file url: URL) throws -> GenerationConfig {
        try parse(JSONValue.load(url), file: url.path)
    }

    public static func parse(_ json: JSONValue, file: String) throws -> GenerationConfig {
        guard let obj = json.objectValue else {
            throw CheckpointError.badField(file: file, field: "(root)", reason: "not a JSON object")
        }
        let r = FieldReader(json: json, file: file)
        var g = GenerationConfig()
        g.bosTokenId = try r.int("bos_token_id")
        g.padTokenId = try r.int("pad_token_id")
        if let e = json["eos_token_id"] {
            g.eosTokenIds = try LlamaConfig.tokenIds(e, file: file, field: "eos_token_id")
        }
        for (k, v) in obj.pairs where !["bos_token_id", "eos_token_id", "pad_token_id"].contains(k) {
            g.other[k] = v
        }
        return g
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = []
        if let b = bosTokenId { o.append(("bos_token_id", .int(b))) }
        if !eosTokenIds.isEmpty {
            o.append(("eos_token_id", eosTokenIds.count == 1 ? .int(eosTokenIds[0])
                                                              : .array(eosTokenIds.map { .int($0) })))
        }
        if let p = padTokenId { o.append(("pad_token_id", .int(p))) }
        for k in other.keys.sorted() { o.append((k, other[k]!)) }
        return .object(JSONObject(o))
    }

    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try json.write(to: directory.appendingPathComponent("generation_config.json"))
    }
}
