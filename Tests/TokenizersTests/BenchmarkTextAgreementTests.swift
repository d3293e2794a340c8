import Foundation
import Models
import XCTest
@testable import Tokenizers

/// Every LIMA example and benchmark text in ../shared/data, encoded and decoded, against
/// `tokenizers`/`transformers` (FNV-1a-64 hashes per text, grouped in 64 buckets per source file).
/// Heavy: run in release (`swift test -c release --filter BenchmarkTextAgreementTests`).
final class BenchmarkTextAgreementTests: XCTestCase {
    func agreement(_ name: String, _ dir: URL) throws {
        guard FileManager.default.fileExists(atPath: Paths.sharedData.path) else {
            throw XCTSkip("benchmark data not found at \(Paths.sharedData.path)")
        }
        let tok = try ModelFolder(directory: dir).tokenizer()
        let g = try Goldens(name)
        var texts = 0, badBuckets = 0, tokens = 0
        for (rel, kind) in BenchmarkTexts.sources {
            guard let want = g.data[rel] else { continue }
            #if DEBUG
            // Debug builds are ~10x slower: only the small sources; release runs them all.
            if (want["chars"] as? Int ?? 0) > 1_000_000 && rel != "lima/lima_llamafactory_converted.json" {
                print("[tokenizers-data] \(name): \(rel) skipped in debug builds (run with -c release)")
                continue
            }
            #endif
            guard let tx = try BenchmarkTexts.load(rel, kind) else {
                XCTFail("\(rel) is in the goldens but missing under \(Paths.sharedData.path)"); continue
            }
            XCTAssertEqual(tx.count, want["count"] as? Int, "\(name) \(rel): number of distinct texts")
            var buckets = [[String]](repeating: [], count: 64)
            var ntok = 0
            for t in tx {
                let ids = tok.encode(t)
                ntok += ids.count
                let dec = tok.decode(ids)
                let th = fnv64(t.utf8)
                let line = hex16(th) + ":" + hex16(fnv64(ids.map(String.init).joined(separator: ",").utf8)) + ":" + hex16(fnv64(dec.utf8))
                buckets[Int(th % 64)].append(line)
            }
            let got = buckets.map { hex16(fnv64($0.sorted().joined(separator: "\n").utf8)) }
            let wantBuckets = want["buckets"] as! [String]
            let bad = zip(got, wantBuckets).filter { $0 != $1 }.count
            XCTAssertEqual(bad, 0, "\(name) \(rel): \(bad) of 64 buckets differ")
            XCTAssertEqual(ntok, want["tokens"] as? Int, "\(name) \(rel): token count")
            texts += tx.count
            tokens += ntok
            badBuckets += bad
        }
        print("[tokenizers-data] \(name): \(texts) texts, \(tokens) tokens, \(badBuckets) differing buckets")
    }

    func testSmolLM2TransformersConversion() throws {
        guard let dir = Paths.smollm2HF else { throw XCTSkip("transformers' SmolLM2 tokenizer not found") }
        try agreement("smollm2-hf-gguf", dir)
    }
    func testSmolLM2Upstream() throws {
        guard let dir = Paths.smollm2HF else { throw XCTSkip("transformers' SmolLM2 tokenizer not found") }
        try agreement("smollm2-upstream", try makeSmolLM2Upstream(from: dir))
    }
    func testSmolLM2ProjectImport() throws {
        guard let dir = Paths.smollm2 else { throw XCTSkip("imported SmolLM2 not found (run `make setup`, or set SFTGO_SMOLLM2_DIR)") }
        try agreement("smollm2-upstream", dir)
    }
    func testRealLlama32() throws {
        guard let dir = Paths.llama32 else { throw XCTSkip("Llama-3.2 tokenizer not found (see TokenizerGoldenTests)") }
        try agreement("llama3.2-real", dir)
    }
    func testRealMiniLMWordPiece() throws {
        guard let dir = Paths.minilm else { throw XCTSkip("all-MiniLM-L6-v2 not found (run `make minilm`, or set SFTGO_MINILM_DIR)") }
        try agreement("minilm-real", dir)
    }
    func testWordPieceMiniFixtures() throws {
        try agreement("bert-uncased-mini", Paths.fixtures.appendingPathComponent("bert-uncased-mini"))
        try agreement("bert-cased-mini", Paths.fixtures.appendingPathComponent("bert-cased-mini"))
    }
    func testMiniFixtures() throws {
        #if DEBUG
        throw XCTSkip("slow in debug builds: run `swift test -c release -Xswiftc -enable-testing --filter BenchmarkTextAgreementTests`")
        #endif
        for name in ["llama3-mini", "qwen2-mini", "llama2-mini", "metaspace-mini", "gpt2-mini"] {
            try agreement(name, Paths.fixtures.appendingPathComponent(name))
        }
    }
}
