import ArgumentParser

public struct ModelFetchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "fetch")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'fetch'") }
}
