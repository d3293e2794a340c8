@testable import Experiments
import Foundation
import XCTest

/// The transcription of the paper's tables recomputes: every printed average from its parts (up to
/// rounding of two-decimal numbers), except the rows the paper itself prints inconsistently, which
/// are listed in the YAML and checked to be exactly those; Table 3 from Tables 1/2; Table 4 and
/// Tables 5–8's averages against Tables 1/2.
final class PaperNumbersTests: XCTestCase {
    let tolerance = 0.0101  // means of values rounded to 0.01 can differ from the rounded mean by < 0.01

    func load(_ n: Int) throws -> PaperTable {
        try PaperTable.load(Fixtures.experiments.appendingPathComponent("paper/table\(n).yaml"))
    }

    func checkAverages(_ t: PaperTable, parts: Int, file: StaticString = #filePath, line: UInt = #line) {
        var bad: [String] = []
        for (model, rows) in t.values[""]! {
            for (method, v) in rows {
                let mean = v.prefix(parts).map(\.mean).reduce(0, +) / Double(parts)
                if abs(mean - v[parts].mean) > tolerance { bad.append("\(model)/\(method)") }
            }
        }
        XCTAssertEqual(Set(bad), Set(t.inconsistentAverages.map { "\($0.model)/\($0.method)" }),
                       "table \(t.number)", file: file, line: line)
    }

    func testMainTablesAveragesRecompute() throws {
        let t1 = try load(1), t2 = try load(2)
        XCTAssertEqual(t1.values[""]!.count, 2)
        XCTAssertEqual(t1.values[""]!["llama-3.2-3b"]!.count, 4)
        XCTAssertEqual(t1.row(model: "llama-3.2-3b", method: "llmlingua-2")!.last!.mean, 41.95)
        checkAverages(t1, parts: 8)
        checkAverages(t2, parts: 8)
        XCTAssertTrue(t1.inconsistentAverages.isEmpty)
        XCTAssertEqual(t2.inconsistentAverages.map(\.method), ["tf-idf"])
    }

    func testSubscoreTablesRecomputeAndMatchTables1And2() throws {
        for (n, parts, main, column) in [(5, 6, 1, 6), (6, 4, 1, 7), (7, 6, 2, 6), (8, 4, 2, 7)] {
            let t = try load(n), m = try load(main)
            checkAverages(t, parts: parts)
            for (model, rows) in t.values[""]! {
                for (method, v) in rows {
                    XCTAssertEqual(v[parts].mean, m.row(model: model, method: method)![column].mean,
                                   "table \(n) \(model)/\(method) Avg vs table \(main)")
                }
            }
        }
    }

    func testTable3RecomputesFromTables1And2() throws {
        let t3 = try load(3)
        var bad: [String] = []
        for (ds, n) in [("lima", 1), ("alpaca", 2)] {
            let t = try load(n)
            for model in ["llama-3.2-3b", "llama-3.1-8b"] {
                let base3 = t3.row(dataset: ds, model: model, method: "baseline-sft")!
                for method in ["baseline-sft", "rho-1", "tf-idf", "llmlingua-2"] {
                    let v = t.row(model: model, method: method)!.map(\.mean)
                    let ssb = v[0..<5].reduce(0, +) / 5, grb = v[5..<8].reduce(0, +) / 3
                    let p = t3.row(dataset: ds, model: model, method: method)!
                    if abs(p[0].mean - ssb) > tolerance { bad.append("\(ds)/\(model)/\(method)/ssb") }
                    if abs(p[1].mean - grb) > tolerance { bad.append("\(ds)/\(model)/\(method)/grb") }
                    if method != "baseline-sft" {
                        let d = t3.deltas[ds]![model]![method]!
                        XCTAssertEqual(d[0].mean, p[0].mean - base3[0].mean, accuracy: 1e-9, "\(ds) \(model) \(method) ΔSS-B")
                        XCTAssertEqual(d[1].mean, p[1].mean - base3[1].mean, accuracy: 1e-9, "\(ds) \(model) \(method) ΔGR-B")
                    }
                }
            }
        }
        // Exactly the entries the YAML lists as the paper's own inconsistencies.
        XCTAssertEqual(Set(bad), Set(t3.inconsistentWithMainTables))
        XCTAssertEqual(bad.count, 4)
    }

    func testTable4MatchesTable1() throws {
        let t4 = try load(4), t1 = try load(1)
        let r3 = t4.values[""]!["llama-3.2-3b"]![""]!, r8 = t4.values[""]!["llama-3.1-8b"]![""]!
        XCTAssertEqual(r3[0].mean, t1.row(model: "llama-3.2-3b", method: "baseline-sft")![8].mean)
        XCTAssertEqual(r8[0].mean, t1.row(model: "llama-3.1-8b", method: "baseline-sft")![8].mean)
        // Table 1 used decaying λ for 3B and static λ for 8B (Appendix F).
        XCTAssertEqual(r3[2].mean, t1.row(model: "llama-3.2-3b", method: "llmlingua-2")![8].mean)
        XCTAssertEqual(r8[1].mean, t1.row(model: "llama-3.1-8b", method: "llmlingua-2")![8].mean)
    }
}
