import Foundation

/// The runners `sftgo sweep` can use, by name. `trainer` is the real one (the shared GO trainer and
/// both evaluator halves); until it is wired in, asking for it says so instead of inventing numbers.
/// `synthetic` is hidden from help: fake cells for tests and for exercising the driver.
public enum Runners {
    public static let realName = "trainer"
    public static let notYetReason =
        "the real CellRunner (GO trainer + evaluator) is not wired into `sftgo sweep` yet; no results can be produced. "
        + "`--dry-run` shows the plan; `--runner synthetic` exercises the pipeline with INVENTED numbers."

    /// The runner named `name` (nil: $SFTGO_SWEEP_RUNNER, else the real one).
    public static func make(_ name: String?, env: [String: String] = ProcessInfo.processInfo.environment) throws -> CellRunner {
        let n = name ?? env["SFTGO_SWEEP_RUNNER"].flatMap { $0.isEmpty ? nil : $0 } ?? realName
        switch n {
        case "synthetic": return SyntheticRunner.fromEnvironment(env)
        case realName: throw SpecError(file: "-", field: "runner", message: notYetReason)
        default: throw SpecError(file: "-", field: "runner", message: "unknown runner '\(n)' (have: \(realName), synthetic)")
        }
    }
}
