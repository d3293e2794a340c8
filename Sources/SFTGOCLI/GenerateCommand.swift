import ArgumentParser

public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "generate")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'generate'") }
}
