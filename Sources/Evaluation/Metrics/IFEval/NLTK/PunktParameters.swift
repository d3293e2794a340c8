import Foundation

/// nltk's Punkt model as `load_punkt_params` reads a `punkt_tab/<lang>/` folder: one entry a line
/// (the newline removed, nothing else stripped), tab-separated pairs for collocations and
/// orthographic-context flags.
public struct PunktParameters: Sendable {
    public var abbrevTypes: Set<String> = []
    public var sentStarters: Set<String> = []
    public var collocations: Set<[String]> = []
    public var orthoContext: [String: Int] = [:]

    public init() {}

    public init(directory: URL) throws {
        func lines(_ name: String) throws -> [String] {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw IFEvalError.resourceMissing(
                    path: url.path,
                    hint: "Punkt English needs nltk's punkt_tab/english folder (scripts/reference/ifeval_punkt_tab.py writes it).")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw IFEvalError.badResource(file: url.path, line: 0, reason: "not UTF-8")
            }
            // Python iterates lines ending in \n and removes one trailing \n (`rm_nl`).
            var ls = text.components(separatedBy: "\n")
            if ls.last == "" { ls.removeLast() }
            return ls
        }
        abbrevTypes = Set(try lines("abbrev_types.txt"))
        sentStarters = Set(try lines("sent_starters.txt"))
        for l in try lines("collocations.tab") { collocations.insert(l.components(separatedBy: "\t")) }
        for (i, l) in try lines("ortho_context.tab").enumerated() {
            let f = l.components(separatedBy: "\t")
            guard f.count == 2, let v = Int(f[1]) else {
                throw IFEvalError.badResource(file: directory.appendingPathComponent("ortho_context.tab").path,
                                              line: i + 1, reason: "expected 'type<TAB>integer'")
            }
            orthoContext[f[0]] = v
        }
    }
}
