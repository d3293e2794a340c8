import Foundation
import XCTest
@testable import Evaluation

enum TestPaths {
    /// The package root, found from this file's path (Tests/EvaluationTests/TestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/evaluation/tasks")
    static let tasks = packageRoot.appendingPathComponent("tasks")
    /// The real benchmark data (../shared/data beside the checkout).
    static let sharedData = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    static func requireSharedData() throws -> URL {
        guard FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("mmlu").path) else {
            throw XCTSkip("real benchmark data not found at \(sharedData.path); these rule tests need ../shared/data")
        }
        return sharedData
    }
}

/// A deterministic stand-in for the model: a log-likelihood from a hash of the request, plus a
/// call counter; optionally a table of fixed scores by continuation.
final class FakeLanguageModel: LanguageModel {
    var identity: String { "fake" }
    var calls = 0
    var received: [LoglikelihoodRequest] = []
    var fixed: [String: Double] = [:]
    var truncateContextsLongerThan: Int? = nil

    func loglikelihood(_ requests: [LoglikelihoodRequest], progress: ((Int) -> Void)?) throws -> [LoglikelihoodResult] {
        calls += 1
        received += requests
        var out: [LoglikelihoodResult] = []
        for (i, r) in requests.enumerated() {
            let ll = fixed[r.continuation] ?? FakeLanguageModel.hashScore(r)
            var trunc = 0
            if let m = truncateContextsLongerThan, r.context.count > m { trunc = r.context.count - m }
            out.append(LoglikelihoodResult(logprob: ll, isGreedy: false, truncatedTokens: trunc))
            progress?(i + 1)
        }
        return out
    }

    func generateUntil(_ requests: [GenerationRequest], progress: ((Int) -> Void)?) throws -> [String] {
        requests.map { _ in "" }
    }

    /// A stable pseudo-random value in (-20, 0) from the request text (FNV-1a).
    static func hashScore(_ r: LoglikelihoodRequest) -> Double {
        var h: UInt64 = 0xcbf29ce484222325
        for b in (r.context + "\u{1}" + r.continuation).utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return -Double(h % 20_000_000) / 1_000_000.0 - 0.001
    }
}
