import ArgumentParser
import Evaluation
import Foundation
import Store

/// `sftgo data …`: the registered data sets in $SFTGO_DATA_DIR (default ./data).
public struct DataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "List, verify, import and fetch the registered data sets ($SFTGO_DATA_DIR, default ./data).",
        subcommands: [DataListCommand.self, DataVerifyCommand.self, DataImportCommand.self, DataFetchCommand.self])
    public init() {}
}

struct DataDirOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $SFTGO_DATA_DIR, else ./data).")
    var dataDir: String?

    func store() -> DataStore { DataStore(root: dataDir.map { URL(fileURLWithPath: $0, isDirectory: true) }) }
}

/// Prints one line per data set; returns (corrupt-or-incomplete count, missing count). With
/// `details`, each corrupt file is also read row by row, naming the first row that does not parse.
func printStatus(_ store: DataStore, names: [String], details: Bool = false) throws -> (bad: Int, missing: Int) {
    print("data directory: \(store.root.path)")
    var bad = 0, missing = 0
    let nameW = max(14, (names.map(\.count).max() ?? 0) + 2)
    for name in names {
        let s = try store.status(dataset: name)
        let pad = name.padding(toLength: nameW, withPad: " ", startingAt: 0)
        switch s.state {
        case let .verified(vid):
            let v = s.variant!
            let note = v.kind == "local" ? "  [local variant '\(vid)', not upstream's bytes]" : ""
            print("  \(pad)verified   \(s.verifiedFiles) file\(s.verifiedFiles == 1 ? "" : "s") (\(vid))\(note)")
        case .missing:
            missing += 1
            print("  \(pad)missing    get it: \(s.remedy)")
        case .incomplete:
            bad += 1
            print("  \(pad)CORRUPT    \(s.verifiedFiles)/\(s.totalFiles) files verified; repair: \(s.remedy)")
            for p in s.problems.prefix(10) {
                print("      \(p.path): \(p.problem)")
                guard details, p.problem != "missing" else { continue }
                let rel = String(p.path.dropFirst(name.count + 1))
                let format = s.dataset.variants.flatMap(\.files).first { $0.path == rel }?.format
                if let format, let why = firstRowProblem(store.url(dataset: name, path: rel), format: format, display: p.path) {
                    print("        first bad row: \(why)")
                }
            }
            if s.problems.count > 10 { print("      … and \(s.problems.count - 10) more") }
        }
    }
    return (bad, missing)
}

struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show every registered data set: verified (and which variant), missing (and how to get it), or corrupt (naming the file).")
    @OptionGroup var dir: DataDirOption
    @Flag(help: "Also print each data set's title, license and provenance.") var details = false

    func run() throws {
        let store = dir.store()
        _ = try printStatus(store, names: store.registry.datasets.map(\.name))
        if details {
            for d in store.registry.datasets {
                print("\n\(d.name): \(d.title)\n  license: \(d.license)\(d.use.map { "\n  use: \($0)" } ?? "")")
                for v in d.variants { print("  variant \(v.id) (\(v.kind)): \(v.provenance)") }
            }
        }
    }
}

struct DataVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every registered file (sha256, git blob id or rows); fails when a present set is corrupt.")
    @OptionGroup var dir: DataDirOption
    @Flag(help: "Use cached digests of unchanged files instead of re-hashing everything.") var cached = false
    @Flag(help: "Also fail when a data set is missing.") var strict = false
    @Flag(help: "For each corrupt file, read it row by row and name the first row (and byte) that does not parse.") var details = false
    @Argument(help: "Data sets to verify (default: all).") var names: [String] = []

    func run() throws {
        let store = dir.store()
        if !cached { store.dropDigestCache() }
        let t0 = Date()
        let (bad, missing) = try printStatus(store, names: names.isEmpty ? store.registry.datasets.map(\.name) : names,
                                             details: details)
        print(String(format: "verified in %.1f s: %d corrupt, %d missing", Date().timeIntervalSince(t0), bad, missing))
        if bad > 0 || (strict && missing > 0) { throw ExitCode(1) }
    }
}

struct DataImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import registered files from a folder (e.g. ../shared/data), an archive (tar, tar.gz, zip) or a single file; each is recognised by content, verified and placed atomically.")
    @OptionGroup var dir: DataDirOption
    @Argument(help: "Folder, archive or file.") var path: String
    @Option(help: "Only these data sets (comma-separated).") var only: String?

    func run() throws {
        let store = dir.store()
        let src = URL(fileURLWithPath: path)
        let t0 = Date()
        let r = try store.importFrom(src, datasets: only.map { Set($0.split(separator: ",").map(String.init)) })
        print("import \(src.path) -> \(store.root.path)")
        var byKey: [String: (new: Int, old: Int)] = [:]
        var order: [String] = []
        for p in r.placed {
            let k = "\(p.dataset) (\(p.variant))"
            if byKey[k] == nil { order.append(k); byKey[k] = (0, 0) }
            if p.alreadyPresent { byKey[k]!.old += 1 } else { byKey[k]!.new += 1 }
        }
        for k in order {
            let c = byKey[k]!
            print("  \(k.padding(toLength: 34, withPad: " ", startingAt: 0)) \(c.new) placed, \(c.old) already present")
        }
        if !r.ignored.isEmpty {
            let shown = r.ignored.prefix(6).joined(separator: ", ")
            print("  ignored \(r.ignored.count) file(s) not in the registry: \(shown)\(r.ignored.count > 6 ? ", …" : "")")
        }
        for n in r.notes { print("  note: \(n)") }
        print(String(format: "imported in %.1f s", Date().timeIntervalSince(t0)))
        if r.placed.isEmpty { throw StoreError.nothingRecognised(path: src.path) }
    }
}

struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a data set (or all) from its upstream URLs, with resume, retries and verification.")
    @OptionGroup var dir: DataDirOption
    @Argument(help: "Data set name, or 'all'.") var name: String
    @Option(help: "Variant to fetch (default: the registry's default_variant).") var variant: String?
    @Option(help: "Retries per file.") var retries = 5

    func run() throws {
        let store = dir.store()
        var o = DownloadOptions()
        o.retries = retries
        o.log = { print($0) }
        let dl = Downloader(options: o)
        let names = name == "all" ? store.registry.datasets.map(\.name) : [name]
        var failures: [String] = []
        for n in names {
            do {
                let r = try store.fetch(n, variant: name == "all" ? nil : variant, downloader: dl)
                print("\(n) (\(r.variant)): \(r.downloaded.count) downloaded, \(r.alreadyPresent.count) already present")
                for w in r.warnings { print("  warning: \(w)") }
            } catch {
                print("\(n): FAILED: \(error)")
                failures.append(n)
            }
        }
        if !failures.isEmpty {
            print("failed: \(failures.joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}

/// The first row of a registered file that its format's reader refuses (the readers evaluation
/// uses, so the row and byte match what a run would report), or nil when every row parses: then
/// only the bytes differ from the registered checksum.
func firstRowProblem(_ url: URL, format: String, display: String) -> String? {
    let (f, schema): (DataFormat, DataSchema)
    switch format {
    case "json": (f, schema) = (.json, .asIs)
    case "jsonl": (f, schema) = (.jsonl, .asIs)
    case "csv-noheader": (f, schema) = (.csv, .mmlu)
    default: return nil
    }
    do { _ = try DocumentReader.read(url: url, displayPath: display, format: f, schema: schema); return nil }
    catch { return "\(error)" }
}
