@testable import Experiments
import Foundation
import XCTest

/// Paths and helpers shared by the Experiments tests.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let experiments = packageRoot.appendingPathComponent("experiments")
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/experiments")
    static var micro: URL { fixtures.appendingPathComponent("micro.yaml") }

    /// A fresh temporary folder.
    static func tempDir(_ name: String = #function) throws -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-exp-\(safe)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// Locations where the micro spec's tiny model exists (an empty folder) and nothing else does.
    static func locations(_ root: URL) throws -> Locations {
        let models = root.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models.appendingPathComponent("tiny-model"), withIntermediateDirectories: true)
        return Locations(modelsDirectory: models, dataDirectory: root.appendingPathComponent("data"))
    }

    /// Ledger lines of one kind (`train-end`, `eval-end`, `train-begin`, `step`).
    static func ledger(_ url: URL, _ kind: String) -> [String] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix(kind + " ") }
    }
}

/// A runner that records calls and can be told to fail, for executor tests.
final class RecordingRunner: CellRunner {
    let inner: SyntheticRunner
    var failTrain: Set<String> = []
    var failEval: Set<String> = []
    var trained: [String] = []
    var evaluated: [String] = []
    var references: [String: URL?] = [:]
    let name = "synthetic"
    init(items: Int = 40) { inner = SyntheticRunner(items: items) }
    func unavailability(of cell: Cell) -> Unavailability? { nil }
    func train(_ cell: Cell, work: URL, reference: URL?, log: URL,
               progress: @escaping (CellProgress) -> Void) throws -> TrainOutcome {
        trained.append(cell.id)
        references[cell.id] = reference
        if failTrain.contains(cell.id) { throw SpecError(file: "-", field: cell.id, message: "boom in training") }
        return try inner.train(cell, work: work, reference: reference, log: log, progress: progress)
    }
    func evaluate(_ cell: Cell, checkpoint: URL, samples: URL, log: URL,
                  progress: @escaping (CellProgress) -> Void) throws -> EvalOutcome {
        evaluated.append(cell.id)
        if failEval.contains(cell.id) { throw SpecError(file: "-", field: cell.id, message: "boom in evaluation") }
        return try inner.evaluate(cell, checkpoint: checkpoint, samples: samples, log: log, progress: progress)
    }
    func estimate(_ cell: Cell) -> CellEstimate? { nil }
}
