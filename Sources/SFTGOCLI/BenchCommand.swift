import ArgumentParser

/// `sftgo-bench`: score a checkpoint on the benchmarks (lm-eval's flags); `micro` for speed.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sftgo-bench",
        abstract: "Score a checkpoint on the paper's benchmarks, or measure engine speed.",
        subcommands: [MicroBenchCommand.self])
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "benchmark scoring") }
}
