import Checkpoints
import Foundation

/// langdetect 1.0.9's data: the 55 language profiles (`profiles/<lang>`, JSON with `freq`,
/// `n_words`, `name`) turned into its word → per-language probability map, and the tables of
/// `utils/messages.properties` that `NGram` normalises with (CJK classes, Vietnamese letters).
public struct LangDetectProfiles: Sendable {
    public let languages: [String]
    /// `DetectorFactory.word_lang_prob_map`, keyed by code points (Python dict keys are code-point
    /// strings; Swift `String` keys would merge canonically equivalent n-grams).
    let wordLangProb: [[Unicode.Scalar]: [Double]]
    let cjkMap: [Unicode.Scalar: Unicode.Scalar]
    let viBase: [Unicode.Scalar]          // TO_NORMALIZE_VI_CHARS
    let viMarks: [Unicode.Scalar]         // DMARK_CLASS
    let viNormalized: [[Unicode.Scalar]]  // NORMALIZED_VI_CHARS_03xx, one row per mark

    /// Loads `<directory>/profiles/*` (in sorted file-name order; langdetect uses `os.listdir`
    /// order, which only changes the order of floating-point sums) and
    /// `<directory>/messages.properties`.
    public init(directory: URL) throws {
        let fm = FileManager.default
        let profileDir = directory.appendingPathComponent("profiles")
        let hint = "langdetect needs the profiles/ folder and utils/messages.properties of PyPI langdetect==1.0.9 (copy them into this folder)."
        guard let names = try? fm.contentsOfDirectory(atPath: profileDir.path) else {
            throw IFEvalError.resourceMissing(path: profileDir.path, hint: hint)
        }
        let files = names.filter { !$0.hasPrefix(".") }.sorted()
        guard files.count >= 2 else { throw IFEvalError.resourceMissing(path: profileDir.path, hint: hint) }
        var langs: [String] = []
        var map: [[Unicode.Scalar]: [Double]] = [:]
        for (index, f) in files.enumerated() {
            let path = profileDir.appendingPathComponent(f).path
            guard let data = fm.contents(atPath: path) else { throw IFEvalError.resourceMissing(path: path, hint: hint) }
            let v: JSONValue
            do { v = try JSONValue.parse(data: data) } catch {
                throw IFEvalError.badResource(file: path, line: 0, reason: "\(error)")
            }
            guard let name = v["name"]?.stringValue, let freq = v["freq"]?.objectValue,
                  let nw = v["n_words"]?.arrayValue?.compactMap(\.intValue), nw.count == 3 else {
                throw IFEvalError.badResource(file: path, line: 0, reason: "expected 'name', 'freq' and three 'n_words'")
            }
            guard !langs.contains(name) else { throw IFEvalError.badResource(file: path, line: 0, reason: "duplicate language \(name)") }
            langs.append(name)
            for (word, count) in freq.pairs {
                let w = Array(word.unicodeScalars)
                guard (1...3).contains(w.count) else { continue }
                guard let c = count.intValue else { throw IFEvalError.badResource(file: path, line: 0, reason: "non-integer count for '\(word)'") }
                map[w, default: [Double](repeating: 0, count: files.count)][index] = Double(c) / Double(nw[w.count - 1])
            }
        }
        languages = langs
        wordLangProb = map

        let propsPath = directory.appendingPathComponent("messages.properties").path
        guard let pdata = fm.contents(atPath: propsPath), let ptext = String(data: pdata, encoding: .utf8) else {
            throw IFEvalError.resourceMissing(path: propsPath, hint: hint)
        }
        var props: [String: [Unicode.Scalar]] = [:]
        var kanjiKeys: [String] = []
        for (i, raw) in ptext.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            guard let value = Self.unescape(String(line[line.index(after: eq)...])) else {
                throw IFEvalError.badResource(file: propsPath, line: i + 1, reason: "bad \\u escape")
            }
            props[key] = value
            if key.hasPrefix("NGram.KANJI_") { kanjiKeys.append(key) }
        }
        // `NGram.CJK_CLASS` lists the KANJI keys in file order; each class maps to its first member.
        var cjk: [Unicode.Scalar: Unicode.Scalar] = [:]
        for k in kanjiKeys { let cls = props[k]!; for ch in cls { cjk[ch] = cls[0] } }
        cjkMap = cjk
        func need(_ k: String) throws -> [Unicode.Scalar] {
            guard let v = props[k] else { throw IFEvalError.badResource(file: propsPath, line: 0, reason: "missing \(k)") }
            return v
        }
        viBase = try need("TO_NORMALIZE_VI_CHARS")
        viMarks = try need("DMARK_CLASS")
        viNormalized = try ["0300", "0301", "0303", "0309", "0323"].map { try need("NORMALIZED_VI_CHARS_\($0)") }
        latin1Excluded = try need("NGram.LATIN1_EXCLUDE")
    }

    let latin1Excluded: [Unicode.Scalar]

    /// Java-properties `\uXXXX` escapes (the file is ASCII).
    static func unescape(_ s: String) -> [Unicode.Scalar]? {
        let a = Array(s.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < a.count {
            if a[i] == "\\", i + 6 <= a.count, a[i + 1] == "u" {
                guard let v = UInt32(String(String.UnicodeScalarView(a[(i + 2)..<(i + 6)])), radix: 16),
                      let u = Unicode.Scalar(v) else { return nil }
                out.append(u); i += 6
            } else { out.append(a[i]); i += 1 }
        }
        return out
    }
}
