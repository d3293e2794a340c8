import Foundation

/// The runners `sftgo sweep` can use, by name. `trainer` is the real one (the shared GO trainer, the
/// grouping code's masks and the Evaluator: TrainerRunner). `synthetic` is hidden from help: fake
/// cells for tests and for exercising the driver.
public enum Runners {
    public static let realName = "trainer"
    /// The runner named `name` (nil: $SFTGO_SWEEP_RUNNER, else the real one).
    public static func make(_ name: String?, env: [String: String] = ProcessInfo.processInfo.environment) throws -> CellRunner {
        let n = name ?? env["SFTGO_SWEEP_RUNNER"].flatMap { $0.isEmpty ? nil : $0 } ?? realName
        switch n {
        case "synthetic": return SyntheticRunner.fromEnvironment(env)
        case realName: return TrainerRunner.fromEnvironment(env)
        default: throw SpecError(file: "-", field: "runner", message: "unknown runner '\(n)' (have: \(realName), synthetic)")
        }
    }
}
