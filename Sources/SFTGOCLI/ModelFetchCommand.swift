import ArgumentParser
import Foundation
import Store

/// `sftgo model fetch ORG/NAME`: a checkpoint from a Hugging Face hub layout ($HF_ENDPOINT).
public struct ModelFetchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download config, tokenizer and safetensors weights of ORG/NAME from the Hugging Face hub ($HF_ENDPOINT), with resume and sha256 checks of LFS files.")
    @Argument(help: "Repository, ORG/NAME.") var repo: String
    @Option(help: "Branch, tag or commit.") var revision = "main"
    @Option(help: "Output folder (default: models/NAME).") var output: String?
    @Option(help: "Retries per file.") var retries = 5
    public init() {}

    public func run() throws {
        var o = DownloadOptions()
        o.retries = retries
        o.log = { print($0) }
        let client = HubClient(downloader: Downloader(options: o))
        let name = repo.split(separator: "/").last.map(String.init) ?? repo
        let out = URL(fileURLWithPath: output ?? "models/\(name)", isDirectory: true)
        let r = try client.fetchModel(repo, revision: revision, output: out)
        print("\(repo)@\(revision) -> \(out.path) (\(client.endpoint.absoluteString)\(r.usedTreeAPI ? ", hashes from the tree API" : ""))")
        for f in r.files { print("  \(f.path.padding(toLength: 40, withPad: " ", startingAt: 0)) \(f.downloaded ? "downloaded" : "present   ")  \(f.check)") }
    }
}
