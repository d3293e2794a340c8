import ArgumentParser

public struct MicroBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "micro")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'micro'") }
}
