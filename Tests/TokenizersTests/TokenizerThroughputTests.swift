import Foundation
import Models
import XCTest
@testable import Tokenizers

/// Encode throughput on every LIMA text with SmolLM2's tokenizer (MB of UTF-8 per second).
/// A measurement: run in release (`swift test -c release --filter TokenizerThroughputTests`).
final class TokenizerThroughputTests: XCTestCase {
    func testLIMAEncodeThroughput() throws {
        guard let dir = Paths.smollm2 ?? Paths.smollm2HF else { throw XCTSkip("no SmolLM2 tokenizer found") }
        guard let texts = try BenchmarkTexts.load("lima/lima_llamafactory_converted.json", "json") else {
            throw XCTSkip("LIMA not found under \(Paths.sharedData.path)")
        }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let tok = try ModelFolder(directory: dir).tokenizer()
        // Thread CPU time, so the figure holds on a machine shared with other jobs.
        func cpu() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        func run() -> (Double, Int) {
            let t0 = cpu()
            var n = 0
            for t in texts { n += tok.encode(t).count }
            return (cpu() - t0, n)
        }
        let (cold, n) = run()
        let (warm, _) = run()
        let t0 = cpu()
        var chars = 0
        for t in texts { let ids = tok.encode(t); chars += tok.decode(ids).utf8.count }
        let dec = cpu() - t0 - warm
        print(String(format: "[throughput] %@: LIMA %d texts, %.2f MB, %d tokens; encode cold %.2f MB/s, warm %.2f MB/s; decode %.2f MB/s (per CPU-second, one thread)",
                     dir.lastPathComponent, texts.count, Double(bytes) / 1e6, n, Double(bytes) / 1e6 / cold,
                     Double(bytes) / 1e6 / warm, Double(chars) / 1e6 / max(dec, 1e-9)))
        XCTAssertGreaterThan(n, 0)
    }
}
