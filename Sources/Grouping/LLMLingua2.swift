import Foundation
import Models
import Tokenizers

/// LLMLingua-2's token classifier as a grouping function (§3.3): each word of a response gets the
/// keep-probability llmlingua 0.2.2 computes, and each loss token the largest probability of the
/// words it overlaps (0 when it overlaps none).
///
/// The word probabilities follow `PromptCompressor` (prompt_compressor.py, utils.py):
/// * `__chunk_context`: the text's tokens are cut into chunks of at most 510 tokens, backing off to
///   the last "." or "\n" token; a chunk ends *after* that token, so it can hold 511 tokens. Each
///   chunk becomes text again with `convert_tokens_to_string` (the decoder, whose clean-up may
///   change it) and is tokenised anew.
/// * `TokenClfDataset`: `[CLS] chunk [SEP]` cut to 512 tokens (a 511-token chunk loses its [SEP]).
/// * keep-probability = softmax(logits)[…, 1]; special tokens ([UNK] included) are dropped; the word
///   rule comes from config.json `model_type` (llmlingua reads it from the model *name*): BERT — a
///   word starts at a token not beginning with "##"; XLM-RoBERTa — at a token beginning with "▁"
///   or equal to one ASCII punctuation character (`string.punctuation`);
/// * 0.2.2 builds `TokenClfDataset` without `model_name`, so it always writes the strings "[CLS]"
///   and "[SEP]"; the XLM-R tokenizer maps both to <unk>. `boundaryTokens` keeps that
///   (`.llmlingua022`) or uses the tokenizer's own <s>/</s> (`.model`);
///   a word's probability is the Float32 mean of the probabilities `__merge_token_to_word` collects
///   for it. In 0.2.2 that list repeats the word's *first* token's probability for every token (the
///   continuation branch appends the stale `prob_no_force`), so the "mean" is the first token's
///   probability; `.meanOfTokens` averages the tokens' own probabilities instead.
/// Words are placed in the response by the offsets of the original tokens when a chunk's new
/// tokenisation has the same words; otherwise (clean-up changed the text) every word of that chunk
/// spans the whole chunk, and `misalignedChunks` counts it.
public final class LLMLingua2: GroupingFunction {
    public let name = "llmlingua2"
    public let defaultScope = SelectionScope.sequence
    public let classifier: TokenClassifier
    public let tokenizer: Tokenizer
    public let directory: URL
    public static let maxSeqLen = 512
    public private(set) var misalignedChunks = 0

    public enum WordProbability: String, Sendable {
        /// What llmlingua 0.2.2 computes: the first token's probability, averaged as often as the
        /// word has tokens (Float32).
        case llmlingua022 = "llmlingua-0.2.2"
        /// The mean of the word's tokens' own probabilities.
        case meanOfTokens = "mean-of-tokens"
    }
    public var wordProbability = WordProbability.llmlingua022

    public enum BoundaryTokens: String, Sendable {
        /// The ids of the literal strings "[CLS]"/"[SEP]" (the unknown token where they are not tokens).
        case llmlingua022 = "llmlingua-0.2.2"
        /// The tokenizer's own classifier/separator tokens ([CLS]/[SEP], <s>/</s>).
        case model
    }
    public var boundaryTokens = BoundaryTokens.llmlingua022
    /// The tokens the classifier sees around a chunk.
    var cls: Int { boundaryTokens == .llmlingua022 ? literalCls : modelCls }
    var sep: Int { boundaryTokens == .llmlingua022 ? literalSep : modelSep }
    let literalCls: Int, literalSep: Int, modelCls: Int, modelSep: Int
    /// Continuation prefix stripped from a word's later tokens, and the word-start rule.
    let isXLMR: Bool

    public var settings: [String: String] {
        ["classifier": directory.lastPathComponent, "model_type": classifier.config.family.rawValue,
         "token_to_word": wordProbability.rawValue, "word_to_llm_token": "max-overlap", "uncovered_tokens": "0",
         "max_seq_len": "\(Self.maxSeqLen)", "chunk_end_tokens": ". \\n",
         "word_rule": isXLMR ? "sentencepiece-start-or-punctuation" : "bert-not-##", "boundary_tokens": boundaryTokens.rawValue]
    }

    /// The classifier folder (config.json, model.safetensors, tokenizer.json). A missing folder or
    /// file names the fetch command that brings the real classifier.
    public init(directory: URL) throws {
        self.directory = directory
        // A missing folder is reported like missing files: both mean "fetch the classifier".
        var opened: ModelFolder?
        do { opened = try ModelFolder(directory: directory) } catch ModelFolderError.notAFolder {}
        let needed = [ModelFolder.configFile, ModelFolder.tokenizerFile]
        guard let folder = opened, needed.allSatisfy(folder.contains) else {
            let f = needed.first { opened?.contains($0) != true }!
            throw GroupingError.badReference(path: directory.appendingPathComponent(f).path, reason:
                "no LLMLingua-2 classifier here; fetch one with `sftgo model fetch microsoft/llmlingua-2-bert-base-multilingual-cased-meetingbank` "
                + "and pass its folder as --classifier")
        }
        classifier = try TokenClassifier(folder: folder)
        guard classifier.hasClassifier, classifier.config.numLabels == 2 else {
            throw GroupingError.badReference(path: directory.path, reason: "not a 2-label token classifier (no classifier.weight of 2 rows)")
        }
        let family = classifier.config.family
        guard family == .bert || family == .xlmRoberta else {
            throw GroupingError.badReference(path: directory.path, reason:
                "model_type '\(family.rawValue)': LLMLingua-2 classifiers are BERT (WordPiece) or XLM-RoBERTa (Unigram)")
        }
        isXLMR = family == .xlmRoberta
        let tokPath = directory.appendingPathComponent("tokenizer.json").path
        tokenizer = try folder.tokenizer()
        // The classifier and its tokenizer must belong together: the word rule depends on the
        // tokenizer's kind, and every id must index the embedding table.
        let wantModel = isXLMR ? "Unigram" : "WordPiece"
        guard tokenizer.modelType == wantModel else {
            throw GroupingError.badReference(path: tokPath, reason:
                "a \(tokenizer.modelType) tokenizer does not match the \(family.rawValue) classifier in config.json (it needs \(wantModel))")
        }
        guard tokenizer.vocabSize <= classifier.config.vocabSize else {
            throw GroupingError.badReference(path: tokPath, reason:
                "the tokenizer has \(tokenizer.vocabSize) ids but the classifier's vocab_size is \(classifier.config.vocabSize): not this classifier's tokenizer")
        }
        let (clsName, sepName) = isXLMR ? ("<s>", "</s>") : ("[CLS]", "[SEP]")
        guard let c = tokenizer.id(for: clsName), let s = tokenizer.id(for: sepName) else {
            throw GroupingError.badReference(path: tokPath, reason: "no \(clsName)/\(sepName) tokens")
        }
        modelCls = c
        modelSep = s
        guard let lc = tokenizer.id(for: "[CLS]") ?? tokenizer.unknownTokenId, let ls = tokenizer.id(for: "[SEP]") ?? tokenizer.unknownTokenId else {
            throw GroupingError.badReference(path: tokPath, reason: "no [CLS]/[SEP] and no unknown token")
        }
        literalCls = lc
        literalSep = ls
    }

    /// One word: its probability and its range of Unicode scalars in the text.
    public struct Word: Equatable {
        public var text: String
        public var prob: Float
        public var range: Range<Int>
    }

    /// Chunks as `__chunk_context`: index ranges into `tokens`.
    static func chunks(_ tokens: [String], maxLen: Int = maxSeqLen - 2, endTokens: Set<String> = [".", "\n"]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        let n = tokens.count
        var st = 0
        while st < n {
            if st + maxLen > n - 1 { out.append(st..<n); break }
            var ed = st + maxLen
            for j in 0..<(ed - st) where endTokens.contains(tokens[ed - j]) { ed -= j; break }
            out.append(st..<(ed + 1))
            st = ed + 1
        }
        return out
    }

    /// `string.punctuation`. llmlingua tests `token in string.punctuation`, a substring test, so "()"
    /// or "./" start a word under the XLM-R rule just as "(" does.
    static let asciiPunctuation = Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    static func isPunctuationRun(_ t: String) -> Bool {
        let u = Array(t.unicodeScalars), p = asciiPunctuation
        guard u.count <= p.count else { return false }
        return (0...(p.count - u.count)).contains { i in p[i..<(i + u.count)].elementsEqual(u) }
    }

    /// Whether token `t` starts a new word (llmlingua's `is_begin_of_new_word` without forced tokens).
    func startsWord(_ t: String) -> Bool {
        isXLMR ? (t.unicodeScalars.first == "\u{2581}" || Self.isPunctuationRun(t)) : !t.utf8.starts(with: "##".utf8)
    }

    /// Groups a token sequence into words, skipping special tokens. `lenient` lets a sequence start
    /// inside a word (the original tokens of a chunk cut after "." in "e.g."); the re-tokenised chunk
    /// the classifier reads always starts a word under the XLM-R rule ("▁" is prepended).
    func words(_ ids: [Int], lenient: Bool = false) throws -> [[Int]] {
        var out: [[Int]] = []
        for (k, id) in ids.enumerated() {
            if tokenizer.isSpecial(id) { continue }
            let t = tokenizer.token(for: id) ?? ""
            if !startsWord(t) && !(lenient && out.isEmpty) {
                // llmlingua would fail on words[-1] here; say so rather than guess.
                guard !out.isEmpty else { throw GroupingError.invalidExample(example: -1, reason: "chunk starts inside a word (token \(t))") }
                out[out.count - 1].append(k)
            } else {
                out.append([k])
            }
        }
        return out
    }

    /// The word as llmlingua spells it: the first token as is, then each continuation token with
    /// its leading `strip` characters removed (`get_pure_token`: lstrip("##") or lstrip("▁")).
    static func wordText(_ toks: [String], strip: Unicode.Scalar = "#") -> String {
        guard let first = toks.first else { return "" }
        return first + toks.dropFirst().map { t in String(t.unicodeScalars.drop(while: { $0 == strip })) }.joined()
    }

    /// The words of `text` with llmlingua's probabilities and their ranges in `text`.
    public func wordProbabilities(_ text: String) throws -> [Word] {
        let enc = tokenizer.encodeWithOffsets(text)
        let ids = enc.map { $0.id }
        let toks = ids.map { tokenizer.token(for: $0) ?? "" }
        var out: [Word] = []
        for ch in Self.chunks(toks) {
            let chunkText = tokenizer.convertTokensToString(Array(ids[ch]))
            var input = [cls] + tokenizer.encode(chunkText) + [sep]
            if input.count > Self.maxSeqLen { input = Array(input[..<Self.maxSeqLen]) }
            let logits = try classifier.logits(input)
            var p = [Float](repeating: 0, count: input.count)
            for t in 0..<input.count {
                let a = logits[2 * t], b = logits[2 * t + 1], m = max(a, b)
                let ea = expf(a - m), eb = expf(b - m)
                p[t] = eb / (ea + eb)
            }
            let modelWords = try words(input)
            // Spans from the original tokens of this chunk, grouped by the same rule.
            let origIdx = try words(Array(ids[ch]), lenient: true).map { $0.map { $0 + ch.lowerBound } }
            let aligned = origIdx.count == modelWords.count
            if !aligned { misalignedChunks += 1 }
            let chunkSpan = (enc[ch.lowerBound].offsets.lowerBound)..<(enc[ch.upperBound - 1].offsets.upperBound)
            for (w, idx) in modelWords.enumerated() {
                var s: Float = 0
                for k in idx { s += wordProbability == .llmlingua022 ? p[idx[0]] : p[k] }
                let range: Range<Int>
                if aligned {
                    let o = origIdx[w]
                    range = enc[o.first!].offsets.lowerBound..<enc[o.last!].offsets.upperBound
                } else {
                    range = chunkSpan
                }
                out.append(Word(text: Self.wordText(idx.map { tokenizer.token(for: input[$0]) ?? "" }, strip: isXLMR ? "\u{2581}" : "#"),
                                prob: s / Float(idx.count), range: range))
            }
        }
        return out
    }

    /// Each token's score: the largest probability of the words its range overlaps, 0 for none.
    public static func tokenScores(words: [Word], tokenRanges: [Range<Int>]) -> [Double] {
        let sorted = words.sorted { $0.range.lowerBound < $1.range.lowerBound }
        return tokenRanges.map { r in
            guard !r.isEmpty else { return 0 }
            var best: Float = 0
            for w in sorted {
                if w.range.lowerBound >= r.upperBound { break }
                if w.range.overlaps(r) { best = max(best, w.prob) }
            }
            return Double(best)
        }
    }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        var out: [[Double]] = []
        for (i, e) in examples.enumerated() {
            guard let text = e.text, let offs = e.lossOffsets else { throw GroupingError.missingText(example: e.index, method: name) }
            // The classifier reads the response: the text the loss tokens cover.
            let covered = offs.filter { !$0.isEmpty }
            guard let lo = covered.map({ $0.lowerBound }).min(), let hi = covered.map({ $0.upperBound }).max() else {
                out.append([Double](repeating: 0, count: offs.count)); continue
            }
            let scalars = Array(text.unicodeScalars)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[lo..<min(hi, scalars.count)])
            let words = try wordProbabilities(String(view)).map { w in
                Word(text: w.text, prob: w.prob, range: (w.range.lowerBound + lo)..<(w.range.upperBound + lo))
            }
            out.append(Self.tokenScores(words: words, tokenRanges: offs))
            progress?(i + 1, examples.count)
        }
        return out
    }
}
