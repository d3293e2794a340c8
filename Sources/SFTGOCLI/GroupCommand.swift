import ArgumentParser
import Foundation
import Grouping
import Models
import Tokenizers
import Training

/// `sftgo group`: important masks of a grouping function over an SFT data set (paper §3.3), with
/// statistics, the JSONL mask file the trainer reads, and the token-importance HTML view.
public struct GroupCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Score loss tokens with a grouping function and split them at the η percentile.",
        discussion: """
        η is SFT-GO's percentile: --eta 0.9 marks the top 10% of loss tokens important (Rho-1's and \
        Token Cleaning's own ratio k% is 1 − η). Masks are cached per (data sha256, tokenizer, method \
        and settings, η, scope, model) under --cache-dir and reused; a stale cache is refused.
        """)

    @Option(help: "Grouping method(s), comma-separated: tfidf, frequency, random, self-information, rho1, token-cleaning, llmlingua2.")
    var method: String
    @Option(help: "Percentile η in [0, 1]: tokens scoring at or above it are important.") var eta: Double = 0.9
    @Option(help: "SFT data: a file, a folder holding one, or a name under $SFTGO_DATA_DIR (e.g. lima).") var data: String
    @Option(help: "Hugging Face model folder: the tokenizer, and the scoring model θ (self-information, rho1) or base (token-cleaning).")
    var model: String
    @Option(help: "Reference model folder φ (rho1, token-cleaning).") var reference: String?
    @Option(help: "Selection scope: sequence or batch (default: batch for rho1 and token-cleaning, else sequence).") var scope: String?
    @Option(name: .customLong("batch-size"), help: "Examples pooled per percentile with batch scope (0 = the whole data set; default 64, token-cleaning 0).")
    var batchSize: Int?
    @Option(help: "TF-IDF terms: ids (tokenizer ids) or words (scikit-learn's default analyser).") var units: String = "ids"
    @Option(help: "Seed of the random method.") var seed: UInt64 = 0
    @Option(help: "LLMLingua-2 token-classifier folder (llmlingua2): config.json, model.safetensors, tokenizer.json.")
    var classifier: String?
    @Option(name: .customLong("word-probability"), help: "llmlingua2 word probability: llmlingua-0.2.2 (what it computes) or mean-of-tokens.")
    var wordProbability: String = LLMLingua2.WordProbability.llmlingua022.rawValue
    @Option(name: .customLong("boundary-tokens"), help: "llmlingua2 tokens around a chunk: llmlingua-0.2.2 (the strings [CLS]/[SEP], <unk> for XLM-R) or model (<s>/</s>).")
    var boundaryTokens: String = LLMLingua2.BoundaryTokens.llmlingua022.rawValue
    @Option(help: "Chat format as in sftgo train: model or alpaca.") var template: String = "model"
    @Option(name: .customLong("cutoff-len"), help: "Maximum tokens per example, as in sftgo train.") var cutoffLen: Int = 2048
    @Flag(name: .customLong("skip-invalid"), help: "Skip examples the cutoff would cut, as sftgo train --skip-invalid.") var skipInvalid = false
    @Option(help: "Only the first N examples (quick looks; a different data identity).") var limit: Int?
    @Option(help: "Write the masks as JSONL (one method only).") var output: String?
    @Option(help: "Write the token-importance view (methods side by side) to this HTML file.") var html: String?
    @Option(name: .customLong("html-examples"), help: "Dataset indices shown in the HTML view (default: the first 3).") var htmlExamples: String?
    @Option(name: .customLong("cache-dir"), help: "Mask cache root (default: <data root>/.sftgo/masks).") var cacheDir: String?
    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the cache.") var noCache = false
    @Option(help: "Tokens listed in the statistics.") var top: Int = 15

    public init() {}

    public func run() throws {
        let methods = method.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        if output != nil, methods.count != 1 { throw ValidationError("--output takes masks of one method; give one --method") }
        let dataURL = try TrainCommand.resolveData(data)
        let modelDir = URL(fileURLWithPath: model)
        let tok = try ModelFolder(directory: modelDir).tokenizer()
        var t0 = Date()
        var (_, examples) = try GroupingData.load(dataURL, tokenizer: tok, template: template, maxLength: cutoffLen,
                                                  skipInvalid: skipInvalid, withText: true)
        if let n = limit { examples = Array(examples.prefix(n)) }
        let lossTokens = examples.reduce(0) { $0 + $1.lossCount }
        print("data: \(dataURL.path): \(examples.count) examples, \(lossTokens) loss tokens (tokenised in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s)")
        var dataSettings = ["template": template, "cutoff_len": String(cutoffLen), "skip_invalid": String(skipInvalid)]
        if let n = limit { dataSettings["limit"] = String(n) }
        let dataSHA = try Identity.file(dataURL)
        let tokID = try Identity.tokenizer(modelDir)
        let root = cacheDir.map { URL(fileURLWithPath: $0) }
            ?? dataURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".sftgo/masks")

        // Models and their cached losses, loaded only when a method needs them.
        var modelHashes: [String: String] = [:]
        func hash(_ dir: URL) throws -> String {
            if let h = modelHashes[dir.path] { return h }
            let h = try Identity.model(dir); modelHashes[dir.path] = h; return h
        }
        func losses(_ dir: URL, _ label: String) throws -> ReferenceLosses {
            let id = LossCache.identity(dataSHA256: dataSHA, tokenizer: tokID, dataSettings: dataSettings, modelHash: try hash(dir))
            let compute = { () throws -> [[Float]] in
                let m = try ReferenceLosses.loadModel(dir, vocabularySize: tok.vocabSize)
                let bar = ProgressBar(label: "\(label) losses")
                defer { bar.finish() }
                return try FrozenLosses.compute(model: m, examples: examples, progress: { bar.update($0, $1) })
            }
            if noCache { return ReferenceLosses(modelHash: id.modelHash, examples: examples, losses: try compute()) }
            let (l, cached) = try LossCache.losses(root: root, identity: id, examples: examples, compute: compute)
            print("\(label) losses: \(cached ? "cached" : "computed") (\(dir.path))")
            return l
        }

        var columns: [TokenView.Column] = []
        for name in methods {
            t0 = Date()
            let g: GroupingFunction
            var modelHash = "none"
            switch name {
            case "tfidf":
                guard let u = TFIDF.Units(rawValue: units) else { throw ValidationError("--units \(units): ids or words") }
                g = TFIDF(units: u)
            case "frequency": g = Frequency()
            case "random": g = RandomGroups(seed: seed)
            case "self-information":
                modelHash = try hash(modelDir)
                g = SelfInformation(source: .cached(try losses(modelDir, "model")))
            case "rho1":
                guard let r = reference else { throw ValidationError("rho1 needs --reference DIR (the frozen φ)") }
                let refDir = URL(fileURLWithPath: r)
                let phi = try losses(refDir, "reference")
                modelHash = try hash(modelDir)
                g = Rho1Grouping(current: .cached(try losses(modelDir, "model")), reference: phi)
            case "token-cleaning":
                guard let r = reference else { throw ValidationError("token-cleaning needs --reference DIR") }
                let refDir = URL(fileURLWithPath: r)
                modelHash = try hash(modelDir)
                g = TokenCleaningGrouping(base: try losses(modelDir, "base"), reference: try losses(refDir, "reference"))
            case "llmlingua2":
                guard let c = classifier else {
                    throw ValidationError("llmlingua2 needs --classifier DIR; get the real one with "
                        + "`sftgo model fetch microsoft/llmlingua-2-bert-base-multilingual-cased-meetingbank`")
                }
                guard let wp = LLMLingua2.WordProbability(rawValue: wordProbability) else {
                    throw ValidationError("--word-probability \(wordProbability): llmlingua-0.2.2 or mean-of-tokens")
                }
                guard let bt = LLMLingua2.BoundaryTokens(rawValue: boundaryTokens) else {
                    throw ValidationError("--boundary-tokens \(boundaryTokens): llmlingua-0.2.2 or model")
                }
                let dir = URL(fileURLWithPath: c)
                let l = try LLMLingua2(directory: dir)
                l.wordProbability = wp
                l.boundaryTokens = bt
                modelHash = try hash(dir)
                g = l
            default:
                throw ValidationError("--method \(name): known methods are tfidf, frequency, random, self-information, rho1, token-cleaning, llmlingua2")
            }
            var sc: SelectionScope? = nil
            if let s = scope {
                guard let v = SelectionScope(rawValue: s) else { throw ValidationError("--scope \(s): sequence or batch") }
                sc = v
            }
            let identity = MaskBuilder.identity(g, method: name, examples: examples, eta: eta, scope: sc,
                                                batchSize: batchSize ?? (name == "token-cleaning" ? 0 : 64),
                                                dataSHA256: dataSHA, tokenizer: tokID, dataSettings: dataSettings,
                                                modelHash: modelHash)
            let build = { () throws -> MaskSet in
                let bar = ProgressBar(label: name)
                defer { bar.finish() }
                return try MaskBuilder.build(g, examples: examples, identity: identity, progress: { bar.update($0, $1) })
            }
            let set: MaskSet
            var cached = false
            if noCache { set = try build() } else {
                (set, cached) = try MaskCache(root: root).masks(identity, build: build)
                try set.verify(against: examples, path: MaskCache(root: root).directory(for: identity).path)
            }
            let secs = Date().timeIntervalSince(t0)
            report(name, set, cached: cached, seconds: secs, tok: tok, dir: noCache ? nil : MaskCache(root: root).directory(for: identity))
            if let out = output {
                try Data(try set.jsonl().utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                print("wrote \(out)")
            }
            columns.append(TokenView.Column(title: "\(name) (η = \(eta), \(identity.scope.rawValue))", set: set))
        }
        if let h = html {
            let chosen = try htmlExamples.map { s in
                try s.split(separator: ",").map { p -> Int in
                    guard let i = Int(p.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--html-examples \(s): comma-separated indices") }
                    return i
                }
            } ?? examples.prefix(3).map { $0.index }
            let byIndex = Dictionary(examples.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
            let shown = try chosen.map { i -> GroupingExample in
                guard let e = byIndex[i] else { throw ValidationError("--html-examples: no example \(i) in the data") }
                return e
            }
            let page = TokenView.html(examples: shown, columns: columns, title: "Token importance: \(dataURL.lastPathComponent)",
                                      tokenText: { tok.decode([$0]) })
            try Data(page.utf8).write(to: URL(fileURLWithPath: h), options: .atomic)
            print("wrote \(h)")
        }
    }

    func report(_ name: String, _ set: MaskSet, cached: Bool, seconds: Double, tok: Tokenizer, dir: URL?) {
        let s = MaskStatistics(set, top: top)
        print("\(name): \(cached ? "cached masks" : "built") in \(String(format: "%.2f", seconds)) s\(dir.map { " (\($0.path))" } ?? "")")
        print(String(format: "  important %d of %d loss tokens (%.2f%%); per example %d…%d loss tokens; η %.3f, scope %@",
                     s.importantTokens, s.lossTokens, 100 * s.importantFraction, s.minLossTokens, s.maxLossTokens,
                     set.identity.eta, set.identity.scope.rawValue))
        func list(_ l: [(id: Int, count: Int)]) -> String {
            l.map { "\(tok.decode([$0.id]).debugDescription)×\($0.count)" }.joined(separator: " ")
        }
        print("  most frequent important:   \(list(s.topImportant))")
        print("  most frequent unimportant: \(list(s.topUnimportant))")
    }
}
