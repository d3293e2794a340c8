import Checkpoints
import Foundation
import XCTest
@testable import Evaluation

/// The IFEval port against goldens written by scripts/reference/ifeval_goldens.py with lm-eval
/// 0.4.8's own ifeval modules, nltk 3.9.1 and langdetect 1.0.9 (seed 0). Needs ../shared/data
/// (the IFEval prompts and LIMA); skips without it.
final class IFEvalGoldenTests: XCTestCase {
    static let fixtures = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/IFEval")
    nonisolated(unsafe) static var cachedResources: IFEvalResources? = nil

    static func resources() throws -> IFEvalResources {
        if let r = cachedResources { return r }
        let r = try IFEvalResources.builtIn()
        cachedResources = r
        return r
    }

    static func requireData() throws -> URL {
        let d = TestPaths.sharedData
        guard FileManager.default.fileExists(atPath: d.appendingPathComponent("ifeval/input_data.jsonl").path),
              FileManager.default.fileExists(atPath: d.appendingPathComponent("lima").path) else {
            throw XCTSkip("IFEval/LIMA data not found under \(d.path)")
        }
        return d
    }

    static func jsonLines(_ url: URL) throws -> [JSONValue] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n", omittingEmptySubsequences: true).map { try JSONValue.parse(String($0)) }
    }

    static func documents(_ data: URL) throws -> [IFEvalDocument] {
        try jsonLines(data.appendingPathComponent("ifeval/input_data.jsonl")).map { try IFEvalDocument(row: $0) }
    }

    static func lima(_ data: URL) throws -> [String] {
        let v = try JSONValue.parse(data: Data(contentsOf: data.appendingPathComponent("lima/lima_llamafactory_converted.json")))
        return v.arrayValue!.map { $0["output"]!.stringValue! }
    }

    /// Every instruction verdict (strict and loose) on the committed response set equals lm-eval's,
    /// except the documented letter-frequency instances (eval-spec §6.1), which are counted.
    func testVerdictsEqualLmEval() throws {
        let data = try Self.requireData()
        let tools = try Self.resources()
        let docs = Dictionary(uniqueKeysWithValues: try Self.documents(data).map { ($0.key, $0) })
        let rows = try Self.jsonLines(Self.fixtures.appendingPathComponent("goldens/responses.jsonl"))
        var compared = 0, excluded = 0, mismatches: [String] = []
        var perID: [String: (Int, Int)] = [:]
        var keys = Set<Int>()
        for row in rows {
            let key = row["key"]!.intValue!
            keys.insert(key)
            let doc = try XCTUnwrap(docs[key])
            let v = IFEvalScorer.score(doc, response: row["response"]!.stringValue!, tools: tools)
            let strict = row["strict"]!.arrayValue!.map { $0.boolValue! }
            let loose = row["loose"]!.arrayValue!.map { $0.boolValue! }
            for (k, inst) in doc.instructions.enumerated() {
                guard inst.reproducible else { excluded += 1; continue }
                compared += 1
                var c = perID[inst.id] ?? (0, 0)
                c.0 += 1
                if v.strict[k] != strict[k] || v.loose[k] != loose[k] {
                    mismatches.append("key \(key) \(inst.id): strict \(v.strict[k]) vs \(strict[k]), loose \(v.loose[k]) vs \(loose[k]); response \(row["response"]!.stringValue!.prefix(160).debugDescription)")
                } else { c.1 += 1 }
                perID[inst.id] = c
            }
        }
        print("IFEval verdicts: \(rows.count) responses over \(keys.count) prompts, \(compared) instruction verdicts compared, \(compared - mismatches.count) equal, \(excluded) excluded (letter_frequency with a non-letter)")
        for (id, c) in perID.sorted(by: { $0.key < $1.key }) { print("  \(id): \(c.1)/\(c.0)") }
        XCTAssertEqual(keys.count, 541)
        XCTAssertEqual(Set(perID.keys).count, 25)
        XCTAssertGreaterThan(excluded, 0)
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) mismatches:\n" + mismatches.prefix(25).joined(separator: "\n"))
    }

    /// Punkt sentence spans, word_tokenize tokens and langdetect languages on every IFEval prompt,
    /// every LIMA response, and inline texts (the 22 response languages, hand-made edge cases).
    func testPunktWordTokenizeLangdetectEqualReference() throws {
        let data = try Self.requireData()
        let tools = try Self.resources()
        let prompts = try Self.documents(data).map(\.prompt)
        let lima = try Self.lima(data)
        let rows = try Self.jsonLines(Self.fixtures.appendingPathComponent("goldens/text_goldens.jsonl"))
        var spanBad: [String] = [], tokBad: [String] = [], langBad: [String] = []
        var probsCompared = 0
        for row in rows {
            let source = row["source"]!.stringValue!, i = row["index"]!.intValue!
            let text = source == "ifeval" ? prompts[i] : source == "lima" ? lima[i] : row["text"]!.stringValue!
            let s = Array(text.unicodeScalars)
            let spans = tools.sentenceTokenizer.spans(s).flatMap { [$0.lowerBound, $0.upperBound] }
            if spans != row["spans"]!.arrayValue!.map({ $0.intValue! }) { spanBad.append("\(source) \(i)") }
            let toks = tools.wordTokenizer.tokenize(text)
            if toks.count != row["tokens"]!.intValue! || Self.fnv(toks) != row["tokens_fnv"]!.stringValue! {
                tokBad.append("\(source) \(i)")
            }
            let lang = tools.languageDetector.detect(text)
            let want = row["lang"]!.stringValue
            if lang != want { langBad.append("\(source) \(i): \(lang ?? "raise") vs \(want ?? "raise")") }
            if let probs = row["probs"]?.arrayValue {
                // detect_langs: languages above 0.1, by probability; the floats themselves must agree.
                let p = tools.languageDetector.probabilities(text) ?? []
                let got = zip(tools.languageDetector.profiles.languages, p).filter { $0.1 > 0.1 }
                    .enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset }
                    .map(\.element)
                let wantProbs = probs.map { ($0.arrayValue![0].stringValue!, $0.arrayValue![1].doubleValue!) }
                probsCompared += 1
                if got.count != wantProbs.count || zip(got, wantProbs).contains(where: { $0.0 != $1.0 || abs($0.1 - $1.1) > 1e-12 }) {
                    langBad.append("\(source) \(i): probabilities \(got) vs \(wantProbs)")
                }
            }
        }
        print("IFEval text goldens over \(rows.count) texts: Punkt spans equal \(rows.count - spanBad.count), word_tokenize equal \(rows.count - tokBad.count), langdetect equal \(rows.count - langBad.count) (with probabilities to 1e-12 on \(probsCompared))")
        XCTAssertGreaterThan(probsCompared, 60)
        XCTAssertEqual(rows.filter { $0["source"]!.stringValue! != "inline" }.count, prompts.count + lima.count)
        XCTAssertTrue(spanBad.isEmpty, "Punkt: \(spanBad.count) differ: \(spanBad.prefix(20))")
        XCTAssertTrue(tokBad.isEmpty, "word_tokenize: \(tokBad.count) differ: \(tokBad.prefix(20))")
        XCTAssertTrue(langBad.isEmpty, "langdetect: \(langBad.count) differ: \(langBad.prefix(20))")
    }

    static func fnv(_ tokens: [String]) -> String {
        var h: UInt64 = 0xCBF29CE484222325
        for b in tokens.joined(separator: "\u{1F}").utf8 { h = (h ^ UInt64(b)) &* 0x100000001B3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
