import ArgumentParser

public struct DataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "data")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'data'") }
}
