import ArgumentParser
import Evaluation
import Experiments
import Foundation

/// `sftgo sweep run|status`: expand an experiment spec into cells and run them against the result
/// store, or show where the store stands.
public struct SweepCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Run a seed sweep from an experiment spec (experiments/*.yaml), resumably.",
        subcommands: [SweepRunCommand.self, SweepStatusCommand.self, SweepCellCommand.self])
    public init() {}
}

struct SweepOptions: ParsableArguments {
    @Argument(help: "Experiment spec, e.g. experiments/lima.yaml (profiles.yaml is read beside it).")
    var spec: String
    @Option(help: "Profile: paper, default, quick or full (see experiments/profiles.yaml).")
    var profile = "default"
    @Option(name: .customLong("results"), help: "Results root; the store is <results>/<experiment>/<profile>.")
    var results = "results"
    @Option(help: ArgumentHelp("Cell runner (trainer; synthetic = invented numbers for tests).", visibility: .hidden))
    var runner: String?

    func load() throws -> (ExperimentSpec, Profile, [Cell], ResultStore) {
        let spec = try ExperimentSpec.load(URL(fileURLWithPath: self.spec))
        let profile = try spec.profiles.profile(self.profile)
        let cells = try Grid.expand(spec, profile: profile)
        let store = ResultStore(root: ResultStore.root(results: URL(fileURLWithPath: results),
                                                       experiment: spec.name, profile: profile.name))
        return (spec, profile, cells, store)
    }
}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train and evaluate every cell in dependency order; finished cells are never redone, a killed run resumes.")
    @OptionGroup var options: SweepOptions
    @Flag(help: "Print the plan with estimated times (from measured throughput) and stop.")
    var dryRun = false
    @Flag(help: "Run cells that failed before again (their last error stays in run.json until then).")
    var retryFailed = false
    @Option(help: "local (this process, default) or slurm (job arrays via sbatch; the store must be on shared storage).")
    var executor = "local"
    @Option(parsing: .singleValue, help: "Extra sbatch option for --executor slurm (repeatable), e.g. --sbatch=--time=2:00:00.")
    var sbatch: [String] = []

    func run() throws {
        let (spec, profile, cells, store) = try options.load()
        let locations = Locations.fromEnvironment()
        if dryRun {
            let runner: CellRunner
            do { runner = try Runners.make(options.runner) } catch {
                print("note: \(error)")
                runner = UnavailableRunner(reason: "\(error)", marksCells: false)
            }
            print("\(spec.name) / profile \(profile.name)\(profile.provisional ? " (provisional numbers)" : ""): "
                  + "\(cells.count) cells, store \(store.root.path)")
            print(try Plan.make(cells: cells, store: store, runner: runner, locations: locations,
                                budgetSeconds: profile.budgetSeconds).render(), terminator: "")
            return
        }
        let runner = try Runners.make(options.runner)
        if executor == "slurm" {
            let exe = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            let abs = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
            var args = [abs(options.spec), "--profile", profile.name, "--results", abs(options.results)]
            if let r = options.runner { args += ["--runner", r] }
            if retryFailed { args.append("--retry-failed") }
            var slurm = SlurmExecutor(store: store, sftgo: URL(fileURLWithPath: abs(exe.path)), cellArguments: args)
            slurm.sbatchOptions = sbatch
            let sub = try slurm.submit(cells)
            print("submitted \(zip(sub.jobIDs, sub.cellsPerJob).map { "job array \($0) (\($1) cells)" }.joined(separator: ", "))"
                  + (sub.jobIDs.isEmpty ? "nothing: every cell is done" : "") + "; `sftgo sweep status` follows them")
            return
        }
        guard executor == "local" else { throw ValidationError("--executor is local or slurm") }
        let ex = LocalExecutor(store: store, runner: runner, locations: locations, gitCommit: Provenance.gitCommit())
        ex.retryFailed = retryFailed
        let s = try ex.run(cells)
        print("sweep \(spec.name)/\(profile.name): ran \(s.ran), already done \(s.skippedDone), failed \(s.failed), "
              + "unavailable \(s.unavailable); store \(store.root.path)")
        for f in s.failedCells { print("  failed: \(f) (see \(store.directory(of: f).path)/run.json)") }
        if s.failed > 0 { throw ExitCode(3) }  // distinct from a usage or setup error (1): tables can still be made
    }
}

struct SweepStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show done / running / failed / pending cells with their times.")
    @OptionGroup var options: SweepOptions

    func run() throws {
        let (spec, profile, cells, store) = try options.load()
        let locations = Locations.fromEnvironment()
        print("\(spec.name) / profile \(profile.name): store \(store.root.path)\(store.isLocked() ? " (a driver is running)" : "")")
        var counts: [CellStatus: Int] = [:]
        let w = max(20, cells.map(\.id.count).max() ?? 0)
        for c in cells {
            var status = try store.status(of: c.id)
            let rec = try store.record(c.id)
            var detail = ""
            if status != .done, let u = rec?.unavailable ?? locations.unavailability(of: c) { status = .unavailable; detail = u.description }
            counts[status, default: 0] += 1
            if let r = rec {
                if let t = r.trainSeconds { detail += " train \(Plan.duration(t))" }
                if let e = r.evalSeconds { detail += " eval \(Plan.duration(e))" }
                if let f = r.finishedAt { detail += " finished \(CellRecordFormat.time(f))" }
                else if let s = r.startedAt { detail += " started \(CellRecordFormat.time(s))" }
                if r.attempts > 1 { detail += " attempts \(r.attempts)" }
                if status == .failed, let e = r.error { detail += " error: \(e.prefix(200))" }
            }
            print(c.id.padding(toLength: w, withPad: " ", startingAt: 0) + "  " +
                  status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + detail)
        }
        print(CellStatus.allCases.compactMap { s in counts[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", "))
        if let q = SlurmExecutor(store: store, sftgo: URL(fileURLWithPath: "/"), cellArguments: []).queue() {
            print("slurm queue:\n" + (q.isEmpty ? "  (no submitted jobs left in the queue)" : q), terminator: q.hasSuffix("\n") ? "" : "\n")
        }
    }
}

/// One cell, as a scheduler's array task runs it (hidden; `--executor slurm` writes these calls).
struct SweepCellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cell", abstract: "Run one cell of a sweep (used by scheduler job arrays).", shouldDisplay: false)
    @OptionGroup var options: SweepOptions
    @Option(help: "The cell id.") var cell: String
    @Flag var retryFailed = false

    func run() throws {
        let (_, _, cells, store) = try options.load()
        let ex = LocalExecutor(store: store, runner: try Runners.make(options.runner), locations: Locations.fromEnvironment(),
                               gitCommit: Provenance.gitCommit())
        ex.retryFailed = retryFailed
        ex.display = ProgressDisplay(total: 1, interactive: false, interval: 30)
        let s = try ex.runCell(id: cell, of: cells)
        print("cell \(cell): ran \(s.ran), already done \(s.skippedDone), failed \(s.failed), unavailable \(s.unavailable)")
        if s.failed > 0 { throw ExitCode(3) }
    }
}

enum CellRecordFormat {
    static func time(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: d)
    }
}
