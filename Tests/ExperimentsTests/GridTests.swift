@testable import Experiments
import Foundation
import XCTest

final class GridTests: XCTestCase {
    func spec(_ name: String) throws -> ExperimentSpec {
        try ExperimentSpec.load(Fixtures.experiments.appendingPathComponent(name))
    }

    func testLimaProfilesExpandToEveryMethodSeedAndModel() throws {
        let s = try spec("lima.yaml")
        XCTAssertEqual(s.methods.map(\.id), ["baseline-sft", "rho-1", "tf-idf", "llmlingua-2", "dft", "eaft",
                                             "token-cleaning", "self-information", "go-rho1"])
        let quick = try Grid.expand(s, profile: try s.profiles.profile("quick"))
        XCTAssertEqual(quick.count, 9 * 2)
        let def = try Grid.expand(s, profile: try s.profiles.profile("default"))
        XCTAssertEqual(def.count, 9 * 5)
        let paper = try Grid.expand(s, profile: try s.profiles.profile("paper"))
        XCTAssertEqual(paper.count, 2 * 9 * 5)
        XCTAssertEqual(try Grid.expand(s, profile: try s.profiles.profile("full")).count, 45)
        // Every profile keeps Table 1's rows.
        for p in ["paper", "default", "quick", "full"] {
            let ids = Set(try Grid.expand(s, profile: try s.profiles.profile(p)).map(\.method.id))
            XCTAssertTrue(ids.isSuperset(of: ["baseline-sft", "tf-idf", "llmlingua-2", "rho-1"]), p)
        }
    }

    func testPaperProfileCarriesAppendixF() throws {
        let s = try spec("lima.yaml")
        let cells = try Grid.expand(s, profile: try s.profiles.profile("paper"))
        func cell(_ id: String) throws -> Cell { try XCTUnwrap(cells.first { $0.id == id }, id) }
        let tf3 = try cell("llama-3.2-3b.tf-idf.eta90.lam0.9.s1")
        XCTAssertEqual(tf3.training["num_train_epochs"]?.intValue, 15)
        XCTAssertEqual(tf3.training["learning_rate"]?.doubleValue, 1e-5)
        XCTAssertEqual(tf3.training["weight_decay"]?.doubleValue, 0.1)
        XCTAssertEqual(tf3.training["per_device_train_batch_size"]?.intValue, 64)
        XCTAssertEqual(tf3.training["cutoff_len"]?.intValue, 4096)
        XCTAssertNotNil(cells.first { $0.id == "llama-3.1-8b.tf-idf.eta85.lam0.9.s3" })
        XCTAssertNotNil(cells.first { $0.id == "llama-3.2-3b.rho-1.eta55.s5" })
        XCTAssertNotNil(cells.first { $0.id == "llama-3.1-8b.rho-1.eta70.s5" })
        let ll3 = try cell("llama-3.2-3b.llmlingua-2.eta70.lam0.9-0.07.s2")
        XCTAssertEqual(ll3.lambda, LambdaSchedule(max: 0.9, min: 0.07))
        XCTAssertNotNil(cells.first { $0.id == "llama-3.1-8b.llmlingua-2.eta70.lam0.9.s2" })

        let a = try spec("alpaca.yaml")
        let ac = try Grid.expand(a, profile: try a.profiles.profile("paper"))
        let base8 = try XCTUnwrap(ac.first { $0.id == "llama-3.1-8b.baseline-sft.lr1e-07.s1" })
        XCTAssertEqual(base8.training["num_train_epochs"]?.intValue, 2)
        XCTAssertEqual(base8.training["warmup_ratio"]?.doubleValue, 0.07)
        XCTAssertNotNil(ac.first { $0.id == "llama-3.2-3b.llmlingua-2.eta25.lam0.9.lr6e-07.s1" })
        XCTAssertNotNil(ac.first { $0.id == "llama-3.1-8b.llmlingua-2.eta25.lam0.9-0.05.lr6e-07.s1" })
        XCTAssertEqual(ac.first { $0.id.hasPrefix("llama-3.2-3b.baseline-sft") }?.training["num_train_epochs"]?.intValue, 1)
    }

    func testReferencesComeFirstAndPointAtTheSameSeed() throws {
        let s = try spec("lima.yaml")
        let cells = try Grid.expand(s, profile: try s.profiles.profile("default"))
        let pos = Dictionary(uniqueKeysWithValues: cells.enumerated().map { ($1.id, $0) })
        for c in cells where c.method.reference != nil {
            let ref = try XCTUnwrap(c.referenceID)
            XCTAssertEqual(ref, "smollm2-135m-instruct.baseline-sft.s\(c.seed)")
            XCTAssertLessThan(pos[ref]!, pos[c.id]!)
        }
        XCTAssertEqual(cells.filter { $0.referenceID != nil }.count, 3 * 5)
    }

    func testIdsAreStableAndConfigHashesDiffer() throws {
        let s = try spec("lima.yaml")
        let a = try Grid.expand(s, profile: try s.profiles.profile("quick"))
        let b = try Grid.expand(s, profile: try s.profiles.profile("quick"))
        XCTAssertEqual(a.map(\.id), b.map(\.id))
        XCTAssertEqual(a.map(\.configSHA256), b.map(\.configSHA256))
        XCTAssertEqual(Set(a.map(\.configSHA256)).count, a.count)
        XCTAssertEqual(a.first?.id, "smollm2-135m-instruct.baseline-sft.s1")
    }

    func testEtaSweepAndLambdaAblationGrids() throws {
        let e = try spec("eta.yaml")
        let cells = try Grid.expand(e, profile: try e.profiles.profile("quick"))
        XCTAssertEqual(cells.count, (1 + 3 * 6) * 2)
        XCTAssertEqual(Set(cells.compactMap(\.eta)), [0.25, 0.40, 0.55, 0.70, 0.85, 0.90])
        let l = try spec("lambda.yaml")
        let lc = try Grid.expand(l, profile: try l.profiles.profile("paper"))
        XCTAssertEqual(lc.count, 2 * 5 * 3)
        XCTAssertNotNil(lc.first { $0.id == "llama-3.2-3b.llmlingua-2.eta70.lam0.9-0.01.s1" })
        XCTAssertNotNil(lc.first { $0.id == "llama-3.2-3b.llmlingua-2.eta70.lam0.9.s1" })
    }

    func testBadSpecsNameFileLineAndField() throws {
        let dir = try Fixtures.tempDir()
        try FileManager.default.copyItem(at: Fixtures.fixtures.appendingPathComponent("profiles.yaml"),
                                         to: dir.appendingPathComponent("profiles.yaml"))
        func load(_ text: String) throws -> ExperimentSpec {
            let u = dir.appendingPathComponent("bad.yaml")
            try text.write(to: u, atomically: true, encoding: .utf8)
            return try ExperimentSpec.load(u)
        }
        let head = "experiment: x\nkind: main\ntitle: t\ndataset: lima\n"
        XCTAssertThrowsError(try load(head + "methods:\n  - {id: a, label: A, objective: sft, colour: red}\n")) { e in
            let s = e as! SpecError
            XCTAssertEqual(s.line, 6)  // the list item (1-based lines)
            XCTAssertTrue(s.field.hasSuffix("colour"), s.description)
        }
        XCTAssertThrowsError(try load(head + "methods:\n  - {id: a, label: A, objective: magic}\n")) { e in
            XCTAssertTrue("\(e)".contains("objective"), "\(e)")
        }
        let noEta = try load(head + "methods:\n  - {id: t, label: T, objective: go, grouping: tfidf}\n")
        XCTAssertThrowsError(try Grid.expand(noEta, profile: try noEta.profiles.profile("micro"))) { e in
            XCTAssertTrue("\(e)".contains("needs η"), "\(e)")
            XCTAssertTrue("\(e)".contains("bad.yaml"), "\(e)")
        }
        XCTAssertThrowsError(try load(head + "methods:\n  - {id: t, label: T, objective: go}\nsettings:\n  m:\n    t: {eta: 90}\n")) { e in
            XCTAssertTrue("\(e)".contains("fraction"), "\(e)")
        }
        XCTAssertThrowsError(try load(head + "methods:\n  - {id: r, label: R, objective: rho1, reference: nobody}\n")) { e in
            XCTAssertTrue("\(e)".contains("unknown method 'nobody'"), "\(e)")
        }
    }

    func testAbsentModelOrDataKeepsTheRowWithFetchCommand() throws {
        let root = try Fixtures.tempDir()
        let s = try ExperimentSpec.load(Fixtures.micro)
        let cells = try Grid.expand(s, profile: try s.profiles.profile("micro"))
        let loc = try Fixtures.locations(root)
        let ll = try XCTUnwrap(cells.first { $0.method.id == "llmlingua-2" })
        let u = try XCTUnwrap(loc.unavailability(of: ll))
        XCTAssertTrue(u.reason.contains("llmlingua-2-absent"))
        XCTAssertEqual(u.fetch, "sftgo model fetch microsoft/llmlingua-2-xlm-roberta-large-meetingbank --output models/llmlingua-2-xlm-roberta-large-meetingbank")
        XCTAssertNil(loc.unavailability(of: cells[0]))
    }
}
