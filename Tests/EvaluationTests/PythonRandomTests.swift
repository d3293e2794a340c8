// PythonRandom reproduces CPython 3.11's random.Random bit for bit (goldens from
// scripts/reference/python_random_goldens.py).
import Foundation
import XCTest
@testable import Evaluation

final class PythonRandomTests: XCTestCase {
    struct Golden: Decodable {
        struct Case: Decodable {
            var seed: Int
            var raw32: [UInt32]
            var getrandbits: [[StringOrInt]]
            var randbelow: [[Int]]
            var random: [String]
        }
        struct Sample: Decodable {
            var seed: Int, n: Int, k: Int
            var pool_branch: Bool
            var draws: [[Int]]
        }
        struct Stream: Decodable { var seed: Int, n: Int, k: Int, draws: [[Int]] }
        var python: String
        var cases: [Case]
        var samples: [Sample]
        var stream: Stream
    }

    /// getrandbits rows are `[k, "value"]`.
    enum StringOrInt: Decodable {
        case int(Int), string(String)
        init(from d: Decoder) throws {
            let c = try d.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var int: Int? { if case .int(let i) = self { return i } else { return nil } }
        var string: String? { if case .string(let s) = self { return s } else { return nil } }
    }

    static func golden() throws -> Golden {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/evaluation/fewshot/python_random.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    func testRawOutputsBitsBelowAndFloatsEqualCPython() throws {
        let g = try Self.golden()
        XCTAssertEqual(g.cases.count, 9)
        for c in g.cases {
            var r = PythonRandom(seed: c.seed)
            XCTAssertEqual((0..<c.raw32.count).map { _ in r.nextUInt32() }, c.raw32, "seed \(c.seed) raw")
            r = PythonRandom(seed: c.seed)
            for row in c.getrandbits {
                let k = try XCTUnwrap(row[0].int), want = try XCTUnwrap(UInt64(try XCTUnwrap(row[1].string)))
                XCTAssertEqual(r.getrandbits(k), want, "seed \(c.seed) getrandbits(\(k))")
            }
            r = PythonRandom(seed: c.seed)
            for row in c.randbelow {
                XCTAssertEqual(r.randbelow(row[0]), row[1], "seed \(c.seed) randbelow(\(row[0]))")
            }
            r = PythonRandom(seed: c.seed)
            for hex in c.random {
                let want = try XCTUnwrap(Self.parseHexFloat(hex), hex)
                XCTAssertEqual(r.random().bitPattern, want.bitPattern, "seed \(c.seed) random()")
            }
        }
    }

    func testSampleEqualsCPythonOnBothAlgorithms() throws {
        let g = try Self.golden()
        var pool = 0, set = 0
        for s in g.samples {
            var r = PythonRandom(seed: s.seed)
            for (i, want) in s.draws.enumerated() {
                XCTAssertEqual(r.sample(populationSize: s.n, count: s.k), want, "seed \(s.seed) sample(\(s.n), \(s.k)) #\(i)")
            }
            if s.pool_branch { pool += 1 } else { set += 1 }
        }
        XCTAssertGreaterThan(pool, 10)
        XCTAssertGreaterThan(set, 10)
        var r = PythonRandom(seed: 0)
        XCTAssertNil(r.sample(populationSize: 3, count: 4))  // CPython: ValueError
    }

    /// One generator drawing 3 of 4957 for 500 documents in a row: lm-eval's OpenBookQA 3-shot.
    func testLongStreamAndSamplerReplay() throws {
        let s = try Self.golden().stream
        var r = PythonRandom(seed: s.seed)
        for (i, want) in s.draws.enumerated() {
            XCTAssertEqual(r.sample(populationSize: s.n, count: s.k), want, "draw \(i)")
        }
        // The sampler gives document i the i-th draw, whatever order documents are asked in.
        let sampler = FewshotSampler(kind: .random, seed: s.seed, populationSize: s.n)
        for i in [499, 0, 250, 1, 498] {
            XCTAssertEqual(sampler.draw(docIndex: i, count: s.k), s.draws[i], "doc \(i)")
        }
        XCTAssertNil(sampler.draw(docIndex: 0, count: s.n + 1))
        XCTAssertEqual(FewshotSampler(kind: .firstN, seed: 0, populationSize: 5).draw(docIndex: 3, count: 2), [0, 1])
    }

    /// Python's float.hex() form, "0x1.8000000000000p-1" (or "0x0.0p+0").
    static func parseHexFloat(_ s: String) -> Double? {
        guard s.hasPrefix("0x"), let p = s.firstIndex(of: "p") else { return nil }
        let mant = s[s.index(s.startIndex, offsetBy: 2)..<p]
        guard let exp = Int(s[s.index(after: p)...]) else { return nil }
        let parts = mant.split(separator: ".", omittingEmptySubsequences: false)
        guard let lead = UInt64(parts[0], radix: 16) else { return nil }
        var value = Double(lead)
        if parts.count > 1 {
            var scale = 1.0 / 16.0
            for ch in parts[1] {
                guard let d = ch.hexDigitValue else { return nil }
                value += Double(d) * scale
                scale /= 16.0
            }
        }
        return value * Foundation.pow(2.0, Double(exp))
    }
}
