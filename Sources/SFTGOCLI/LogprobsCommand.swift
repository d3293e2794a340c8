import ArgumentParser

public struct LogprobsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "logprobs")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'logprobs'") }
}
