// The Swift Llama as lm-eval's LanguageModel: the engine's Llama (module Models) and the Hugging
// Face tokenizer behind the prefix-reuse scorer (PrefixScorer).
import Checkpoints
import Foundation
import Models
import Tokenizers

/// The engine's Llama with one KV cache, as the scorer's backend. The engine's forward is
/// bit-invariant to how a sequence is split (cache, branches, batch, threads), so prefix reuse
/// gives the same bits as scoring each request alone.
final class LlamaScoringBackend: PrefixScoringBackend, GenerationBackend {
    let model: Llama
    let contextWindow: Int
    let extraStopIds: Set<Int>
    private let cache: KVCache

    init(model: Llama, contextWindow: Int, extraStopIds: Set<Int>) {
        self.model = model
        self.contextWindow = contextWindow
        self.extraStopIds = extraStopIds
        cache = model.makeCache(capacity: min(contextWindow, 4096))  // grows on demand
    }

    var vocabularySize: Int { model.config.vocabSize }
    var prefixCount: Int { cache.count }

    func truncatePrefix(to count: Int) throws { cache.truncate(to: count) }

    func extendPrefix(_ tokens: [Int], logitsFor rows: [Int]) throws -> [Float] {
        try model.validate(tokens)
        return model.forward(tokens, cache: cache, logitsFor: rows)
    }

    /// Two passes: every stem continuing the prefix (stems with branches append to a cache of
    /// their own that continues the prefix without copying it), then every branch.
    func scoreTree(_ stems: [TreeStem]) throws -> [TreeLogits] {
        var children: [KVCache?] = []
        var first: [Llama.Segment] = []
        var firstIndex: [Int?] = []
        for s in stems {
            try model.validate(s.tokens)
            for b in s.branches { try model.validate(b) }
            var child: KVCache? = nil
            if !s.branches.isEmpty && !s.tokens.isEmpty { child = KVCache(continuing: cache, capacity: s.tokens.count) }
            children.append(child)
            if s.tokens.isEmpty {
                firstIndex.append(nil)
            } else {
                firstIndex.append(first.count)
                first.append(Llama.Segment(s.tokens, continuing: child ?? cache, append: child != nil, logitRows: s.rows))
            }
        }
        let stemLogits = first.isEmpty ? [] : model.forward(segments: first)
        var second: [Llama.Segment] = []
        for (i, s) in stems.enumerated() {
            for (b, rows) in zip(s.branches, s.branchRows) {
                second.append(Llama.Segment(b, continuing: children[i] ?? cache, logitRows: rows))
            }
        }
        let branchLogits = second.isEmpty ? [] : model.forward(segments: second)
        var out: [TreeLogits] = []
        var k = 0
        for (i, s) in stems.enumerated() {
            let stem = firstIndex[i].map { stemLogits[$0] } ?? []
            out.append(TreeLogits(stem: stem, branches: Array(branchLogits[k..<(k + s.branches.count)])))
            k += s.branches.count
        }
        return out
    }

    /// Rows decoded together; each continuation is the same at any value (BatchedGenerator).
    var generationBatch = 16

    func generateBatch(_ prompts: [[Int]], maxNewTokens: [Int], stopTokenIds: Set<Int>,
                       shouldStop: (Int, [Int]) -> Bool, finished: (Int, [Int]) throws -> Void) throws -> [[Int]] {
        let gen = BatchedGenerator(model: model, maxBatch: generationBatch)
        return try gen.generate(zip(prompts, maxNewTokens).map { GenerationJob(prompt: $0, maxNewTokens: $1) },
                                stopTokenIds: stopTokenIds.union(extraStopIds), shouldStop: shouldStop, finished: finished)
    }

    func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                  shouldStop: ([Int]) -> Bool) throws -> [Int] {
        try model.validate(prompt)
        return withoutActuallyEscaping(shouldStop) { stop in
            model.generate(prompt: prompt, maxNewTokens: maxNewTokens,
                           stopTokenIds: stopTokenIds.union(extraStopIds), shouldStop: stop)
        }
    }
}

public final class LlamaLanguageModel: LanguageModel, ScoringStatsReporting, ChatTemplating {
    public let scorer: PrefixScorer
    public let generator: GenerationRunner
    let tokenizer: Tokenizer
    /// Why greedy generation cannot be lm-eval's here (a generation_config.json field that still
    /// applies under do_sample=False and that the engine does not implement), or nil.
    public let generationRefusal: String?
    public var identity: String { scorer.identity }
    /// Work counters (tokens computed vs. without reuse, logit rows, time) since load or reset.
    public var stats: ScoringStats { scorer.stats }
    public func resetStats() { scorer.resetStats() }

    public convenience init(directory: URL, options: ScoringOptions = ScoringOptions()) throws {
        try self.init(folder: ModelFolder(directory: directory), options: options)
    }

    /// Everything from one read of the folder: tokenizer, window, weights, identity, generation config.
    public init(folder: ModelFolder, options: ScoringOptions = ScoringOptions()) throws {
        let tokenizer = try folder.tokenizer()
        let window = try options.maxLength ?? ModelWindow.lmEvalMaxLength(folder)
        let model = try Llama(folder: folder)
        // generation_config.json's eos ids stop generation too (eval-spec §1.4).
        let backend = LlamaScoringBackend(model: model, contextWindow: window,
                                          extraStopIds: Set(tokenizer.generationEosTokenIds))
        self.tokenizer = tokenizer
        let identity = try ModelIdentity.of(folder)
        let adapter = HFTokenizerAdapter(tokenizer)
        scorer = try PrefixScorer(backend: backend, tokenizer: adapter, identity: identity, options: options)
        var stops = Set(tokenizer.generationEosTokenIds)
        if let eos = tokenizer.eosTokenId { stops.insert(eos) }
        generationRefusal = try LlamaLanguageModel.unsupportedGenerationFields(folder)
        generator = try GenerationRunner(backend: backend, tokenizer: adapter, stopTokenIds: stops, identity: identity,
                                         addBOS: options.addBOS, cacheDirectory: options.cacheDirectory)
    }

    public func applyChatTemplate(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try tokenizer.applyChatTemplate(messages, addGenerationPrompt: addGenerationPrompt)
    }

    public func loglikelihood(_ requests: [LoglikelihoodRequest],
                              progress: ((Int) -> Void)?) throws -> [LoglikelihoodResult] {
        try scorer.loglikelihood(requests, progress: progress)
    }

    public func generateUntil(_ requests: [GenerationRequest],
                              progress: ((Int) -> Void)?) throws -> [String] {
        if let why = generationRefusal { throw ScoringError.model(why) }
        return try generator.generate(requests, progress: progress)
    }

    /// transformers ignores only the sampling fields when do_sample=False (eval-spec precision 8);
    /// these others would change greedy output and are not implemented, so they are refused.
    static func unsupportedGenerationFields(_ folder: ModelFolder) throws -> String? {
        guard let g = try folder.generationConfig() else { return nil }
        let neutral: [String: Double] = ["repetition_penalty": 1, "no_repeat_ngram_size": 0, "encoder_no_repeat_ngram_size": 0,
                                         "min_new_tokens": 0, "min_length": 0, "num_beams": 1, "diversity_penalty": 0]
        var bad: [String] = []
        for (k, v) in neutral.sorted(by: { $0.key < $1.key }) {
            if let x = g[k]?.doubleValue, x != v { bad.append("\(k)=\(x)") }
        }
        for k in ["bad_words_ids", "suppress_tokens", "begin_suppress_tokens", "forced_bos_token_id", "forced_eos_token_id",
                  "sequence_bias"] {
            if let v = g[k], !v.isNull { bad.append(k) }
        }
        guard !bad.isEmpty else { return nil }
        return "\(folder.path(ModelFolder.generationConfigFile)) sets \(bad.joined(separator: ", ")), which greedy generation would apply; the engine does not implement it"
    }
}
