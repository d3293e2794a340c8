import ArgumentParser

public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "tokenize")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'tokenize'") }
}
