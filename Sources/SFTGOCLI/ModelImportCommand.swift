import ArgumentParser

public struct ModelImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "import")
    public init() {}
    public func run() throws { throw NotYetAvailable(what: "'import'") }
}
