/// tokenizer.json `post_processor` for single sequences: the ids added around the text when
/// `addSpecialTokens` is set (e.g. BOS).
indirect enum PostProcessor {
    case template([Item])
    case byteLevel
    case sequence([PostProcessor])

    enum Item { case special([Int]); case sequence }

    static func parse(_ j: JSONNode) throws -> PostProcessor? {
        if j.isNull { return nil }
        let type = try j.required("type").string()
        switch type {
        case "ByteLevel": return .byteLevel
        case "BertProcessing", "RobertaProcessing":
            // `cls` and `sep` are [token, id] pairs; single sequences become cls A sep.
            func pairId(_ key: String) throws -> Int {
                let a = try j.required(key).array()
                guard a.count == 2 else { throw j[key].fail("must be a [token, id] pair") }
                return try a[1].int()
            }
            return .template([.special([try pairId("cls")]), .sequence, .special([try pairId("sep")])])
        case "Sequence": return .sequence(try j.required("processors").array().compactMap { try parse($0) })
        case "TemplateProcessing":
            let specials = j["special_tokens"]
            var items: [Item] = []
            for it in try j.required("single").array() {
                if !it["Sequence"].isNull {
                    items.append(.sequence)
                } else if !it["SpecialToken"].isNull {
                    let name = try it["SpecialToken"].required("id").string()
                    let entry = specials[name]
                    guard !entry.isNull else { throw specials.fail("has no entry for '\(name)'") }
                    items.append(.special(try entry.required("ids").array().map { try $0.int() }))
                } else {
                    throw it.fail("must be a Sequence or SpecialToken piece")
                }
            }
            return .template(items)
        default: throw TokenizerError.unsupportedType(component: "post-processor", type: type)
        }
    }

    func process(_ ids: [Int]) -> [Int] {
        switch self {
        case .byteLevel: return ids
        case .sequence(let list): return list.reduce(ids) { $1.process($0) }
        case .template(let items):
            var out: [Int] = []
            out.reserveCapacity(ids.count + items.count)
            for it in items {
                switch it {
                case .sequence: out.append(contentsOf: ids)
                case .special(let s): out.append(contentsOf: s)
                }
            }
            return out
        }
    }
}
