import Foundation
import Models
import XCTest
@testable import Tokenizers

/// XLM-RoBERTa's real Unigram tokenizer (Precompiled charsmap, ` {2,}` Replace, Metaspace, Viterbi,
/// <s> … </s>) against tokenizers 0.21.4: goldens from scripts/reference/unigram_goldens.py.
/// Run in release: `swift test -c release --filter UnigramTests`.
final class UnigramTests: XCTestCase {
    func realTokenizer() throws -> Tokenizer {
        guard let dir = Paths.xlmr else {
            throw XCTSkip("XLM-R tokenizer.json not found (run `make xlmr-tokenizer`, or set SFTGO_XLMR_TOKENIZER_DIR)")
        }
        return try ModelFolder(directory: dir).tokenizer()
    }

    /// Ids, character offsets and the normalised text of hand-picked and varied texts.
    func testSamplesRealXLMR() throws {
        let tok = try realTokenizer()
        let g = try Goldens("xlmr-real")
        let s = g.json["samples"] as! [String: Any]
        let texts = s["texts"] as! [String], rows = s["encodings"] as! [[String: Any]], norms = s["normalized"] as! [String]
        var bad = 0, badNorm = 0
        for (k, t) in texts.enumerated() {
            let r = rows[k]
            let want = (r["ids"] as! [NSNumber]).map { $0.intValue }
            let wantOff = (r["offsets"] as! [[NSNumber]]).map { $0[0].intValue..<$0[1].intValue }
            let got = tok.encodeWithOffsets(t, addSpecialTokens: true)
            if got.map({ $0.id }) != want || got.map({ $0.offsets }) != wantOff {
                bad += 1
                if bad <= 5 { XCTFail("\(t.debugDescription)\n got \(got)\nwant \(Array(zip(want, wantOff)))") }
            }
            XCTAssertEqual(tok.encode(t, addSpecialTokens: true), want, t.debugDescription)
            let n = tok.normalizer.map { $0.apply(t.scalarValues).asString } ?? t
            if n.unicodeScalars.elementsEqual(norms[k].unicodeScalars) == false {
                badNorm += 1
                if badNorm <= 5 { XCTFail("normalised \(t.debugDescription): got \(n.debugDescription) want \(norms[k].debugDescription)") }
            }
        }
        print("[unigram] samples: \(texts.count) texts, \(bad) token mismatches, \(badNorm) normalisation mismatches")
    }

    /// Every LIMA text (responses included) and every benchmark text of ../shared/data: ids and offsets
    /// with <s> … </s>, hashed per text and grouped in 64 buckets per source.
    func testBenchmarkTextsRealXLMR() throws {
        let tok = try realTokenizer()
        guard FileManager.default.fileExists(atPath: Paths.sharedData.path) else {
            throw XCTSkip("benchmark data not found at \(Paths.sharedData.path)")
        }
        let g = try Goldens("xlmr-real")
        var texts = 0, tokens = 0, badBuckets = 0
        for (rel, kind) in BenchmarkTexts.sources {
            guard let want = g.data[rel] else { continue }
            guard let tx = try BenchmarkTexts.load(rel, kind) else {
                XCTFail("\(rel) is in the goldens but missing under \(Paths.sharedData.path)"); continue
            }
            XCTAssertEqual(tx.count, want["count"] as? Int, "\(rel): number of distinct texts")
            var buckets = [[String]](repeating: [], count: 64)
            var ntok = 0
            for t in tx {
                let e = tok.encodeWithOffsets(t, addSpecialTokens: true)
                ntok += e.count
                let ids = e.map { String($0.id) }.joined(separator: ",")
                let offs = e.map { "\($0.offsets.lowerBound)-\($0.offsets.upperBound)" }.joined(separator: ",")
                let th = fnv64(t.utf8)
                buckets[Int(th % 64)].append(hex16(th) + ":" + hex16(fnv64(ids.utf8)) + ":" + hex16(fnv64(offs.utf8)))
            }
            let got = buckets.map { hex16(fnv64($0.sorted().joined(separator: "\n").utf8)) }
            let differing = zip(got, want["buckets"] as! [String]).enumerated().filter { $1.0 != $1.1 }.map { $0.offset }
            let bad = differing.count
            if bad > 0 {
                // The lines of the differing buckets, to find the texts (text hash first) by diffing
                // with the same lines from tokenizers.
                let dump = FileManager.default.temporaryDirectory.appendingPathComponent("unigram-\(rel.replacingOccurrences(of: "/", with: "_")).txt")
                try? differing.flatMap { buckets[$0].sorted() }.joined(separator: "\n").write(to: dump, atomically: true, encoding: .utf8)
                print("[unigram] \(rel): buckets \(differing) differ; their lines are in \(dump.path)")
            }
            XCTAssertEqual(bad, 0, "\(rel): \(bad) of 64 buckets differ")
            XCTAssertEqual(ntok, want["tokens"] as? Int, "\(rel): token count")
            texts += tx.count
            tokens += ntok
            badBuckets += bad
        }
        XCTAssertGreaterThan(texts, 0, "no source of the goldens was found")
        print("[unigram] xlmr-real: \(texts) texts, \(tokens) tokens, \(badBuckets) differing buckets")
    }

    func tokenizer(_ json: String) throws -> Tokenizer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unigram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try json.write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        return try ModelFolder(directory: dir).tokenizer()
    }

    /// A tiny vocabulary: the best-scoring split wins, unknown characters are fused into one <unk>.
    func testViterbiAndFusedUnknowns() throws {
        let tok = try tokenizer(#"""
        {"pre_tokenizer":{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true},
         "model":{"type":"Unigram","unk_id":0,"byte_fallback":false,
          "vocab":[["<unk>",0],["▁",-2],["a",-3],["b",-3],["ab",-4],["▁ab",-9],["c",-1]]}}
        """#)
        // "▁ab": "▁"+"ab" = -6 beats "▁ab" = -9 and "▁"+"a"+"b" = -8.
        XCTAssertEqual(tok.encode("ab"), [1, 4])
        // "xy" has no piece: one fused <unk> spanning both characters.
        let e = tok.encodeWithOffsets("abxyc")
        XCTAssertEqual(e.map { $0.id }, [1, 4, 0, 6])
        XCTAssertEqual(e.map { $0.offsets }, [0..<1, 0..<2, 2..<4, 4..<5])
    }

    func testByteFallbackAndBadCharsmapAreTypedErrors() throws {
        XCTAssertThrowsError(try tokenizer(#"{"model":{"type":"Unigram","unk_id":0,"byte_fallback":true,"vocab":[["<unk>",0]]}}"#)) { e in
            XCTAssertEqual(e as? TokenizerError, .unsupportedType(component: "model", type: "Unigram with byte_fallback"))
        }
        let bad = #"{"normalizer":{"type":"Precompiled","precompiled_charsmap":"AAEAAA=="},"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0]]}}"#
        XCTAssertThrowsError(try tokenizer(bad)) { e in
            guard case TokenizerError.invalidField(_, let field, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "normalizer.precompiled_charsmap")
        }
    }

    /// Arbitrary charsmap blobs (seeded): each loads or is refused with a typed error, and a loaded
    /// one normalises any text with every origin inside it (the trie walk is bounds-checked).
    func testRandomCharsmapsNeverTrap() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let texts = ["Hello  ｗｏｒｌｄ", "e\u{301}\u{302} 👩‍👩‍👧 ﬁ", "", "a", "\u{0}\u{7F}\u{FEFF}x"]
        var loaded = 0
        for _ in 0..<300 {
            let units = Int(next() % 64) + 1
            var b: [UInt8] = [UInt8(units * 4 & 0xFF), UInt8(units * 4 >> 8), 0, 0]
            for _ in 0..<(units * 4) { b.append(UInt8(next() & 0xFF)) }
            for _ in 0..<Int(next() % 40) { b.append(UInt8(next() % 3 == 0 ? 0 : 0x61 + next() % 26)) }
            guard let p = try? PrecompiledCharsmap(bytes: b) else { continue }
            loaded += 1
            for t in texts {
                let s = t.scalarValues
                let out = p.normalize(TextBuffer(s: s, o: (0..<Int32(s.count)).map { $0 }))
                XCTAssertEqual(out.s.count, out.o.count)
                XCTAssertTrue(out.o.allSatisfy { $0 >= 0 && Int($0) < max(1, s.count) })
            }
        }
        XCTAssertGreaterThan(loaded, 100)
    }
}
