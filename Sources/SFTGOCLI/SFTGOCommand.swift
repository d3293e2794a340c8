import ArgumentParser

/// `sftgo`: data, models, tokenisation, generation (and later training and sweeps).
public struct SFTGOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sftgo",
        abstract: "SFT-GO: supervised fine-tuning with group optimization, in Swift.",
        subcommands: [
            GenerateCommand.self, LogprobsCommand.self, TokenizeCommand.self,
            ModelCommand.self, DataCommand.self, GroupCommand.self, TrainCommand.self,
        ])
    public init() {}
}

/// `sftgo model …`: checkpoints as Hugging Face folders.
public struct ModelCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Import and fetch model checkpoints.",
        subcommands: [ModelImportCommand.self, ModelFetchCommand.self])
    public init() {}
}

/// Raised by a command whose implementation has not landed yet.
struct NotYetAvailable: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what) is not available yet in this build of sftgo." }
}
