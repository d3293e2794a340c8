import Foundation
import Models
import XCTest
@testable import Tokenizers

/// `encodeWithOffsets` against tokenizers' `Encoding.offsets` (character offsets) on the corpus.
final class OffsetsTests: XCTestCase {
    func testOffsetsMatchTokenizers() throws {
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent("goldens-offsets.json"))
        let g = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let texts = try Goldens.corpus()
        var compared = 0
        for (name, cases) in g["tokenizers"] as! [String: [[[Int]]]] {
            let dir: URL
            switch name {
            case "smollm2-hf-gguf":
                guard let d = Paths.smollm2HF else { continue }
                dir = d
            case "smollm2-upstream":
                guard let d = Paths.smollm2HF else { continue }
                dir = try makeSmolLM2Upstream(from: d)
            default:
                dir = Paths.fixtures.appendingPathComponent(name)
            }
            let tok = try ModelFolder(directory: dir).tokenizer()
            var bad = 0
            for (i, want) in cases.enumerated() {
                let got = tok.encodeWithOffsets(texts[i], addSpecialTokens: true).map { [$0.id, $0.offsets.lowerBound, $0.offsets.upperBound] }
                if got != want {
                    bad += 1
                    if bad <= 3 { XCTFail("\(name): \(texts[i].debugDescription)\n got \(got)\nwant \(want)") }
                }
                compared += 1
            }
            print("[offsets] \(name): \(cases.count) texts, \(bad) mismatches")
        }
        XCTAssertGreaterThan(compared, 0)
    }
}
