import ArgumentParser
import Foundation
import Store
import XCTest
@testable import SFTGOCLI

/// Issue 21 items 3, 5, 7–11 at the command layer: flag values, limits, output folders, arguments.
final class InputHardeningTests: XCTestCase {
    func parseError<C: ParsableCommand>(_ c: C.Type, _ args: [String]) -> String {
        do { _ = try c.parse(args); return "parsed" } catch { return c.message(for: error) }
    }

    /// Item 11: text values that start with "-" are text, not flags.
    func testTextValuesStartingWithDashAreTakenAsGiven() throws {
        XCTAssertEqual(try TokenizeCommand.parse(["--model", "m", "--text", "- a bullet"]).text, "- a bullet")
        XCTAssertEqual(try GenerateCommand.parse(["--model", "m", "--prompt", "-5 plus 3"]).prompt, "-5 plus 3")
        XCTAssertEqual(try LogprobsCommand.parse(["--model", "m", "--text", "--"]).text, "--")
    }

    /// Items 5 and 11: negative numbers are values (then refused by range), nan/inf/huge limits are
    /// refused by name, and a fraction below 1 is accepted as lm-eval does.
    func testNumericFlagsAndLimit() throws {
        XCTAssertTrue(parseError(EvalBenchCommand.self, ["--limit", "-1"]).contains("--limit must be > 0"),
                      parseError(EvalBenchCommand.self, ["--limit", "-1"]))
        XCTAssertTrue(parseError(GenerateCommand.self, ["--model", "m", "--ids", "[1]", "--max-new-tokens", "-5"])
            .contains("--max-new-tokens must be at least 1"))
        XCTAssertTrue(parseError(EvalBenchCommand.self, ["--num_fewshot", "-2"]).contains("--num_fewshot must be ≥ 0"))
        for bad in ["nan", "inf", "-inf", "1e300"] {
            let m = parseError(EvalBenchCommand.self, ["--limit", bad])
            XCTAssertTrue(m.contains("--limit"), "\(bad): \(m)")
            XCTAssertFalse(m.contains("Missing value"), m)
        }
        XCTAssertEqual(try EvalBenchCommand.parse(["--limit", "0.25"]).limit, 0.25)
        XCTAssertEqual(try EvalBenchCommand.parse(["--limit", "100"]).limit, 100)
    }

    /// Item 8: --tasks that names nothing is an error, not empty results.
    func testEmptyTasksAreRefused() throws {
        for t in ["", ",", " , ,"] {
            XCTAssertTrue(parseError(EvalBenchCommand.self, ["--tasks", t]).contains("names no task"), t)
        }
        XCTAssertEqual(try EvalBenchCommand.parse(["--tasks", "mmlu,,arc_challenge"]).taskNames, ["mmlu", "arc_challenge"])
    }

    /// Items 3 and 9: new tokens are capped at the room the context leaves (with a note); a prompt
    /// that fills the context is refused.
    func testContextBudget() throws {
        let a = try ContextBudget.newTokens(prompt: 30, requested: 128, context: 8192)
        XCTAssertEqual(a.count, 128); XCTAssertNil(a.note)
        let b = try ContextBudget.newTokens(prompt: 30, requested: Int.max, context: 8192)
        XCTAssertEqual(b.count, 8162)
        XCTAssertTrue(b.note?.contains("capped at 8162") ?? false, "\(String(describing: b.note))")
        XCTAssertThrowsError(try ContextBudget.newTokens(prompt: 10_001, requested: 1, context: 8192)) {
            XCTAssertTrue("\($0)".contains("10001 tokens") && "\($0)".contains("8192"), "\($0)")
        }
        XCTAssertThrowsError(try ContextBudget.newTokens(prompt: 8192, requested: 1, context: 8192))
        XCTAssertThrowsError(try ContextBudget.checkFits(8193, context: 8192))
        XCTAssertNoThrow(try ContextBudget.checkFits(8192, context: 8192))
    }

    /// Item 9 at the command layer: `generate` and `logprobs` refuse a prompt longer than the model's
    /// context (tiny-llama3-rope: 256 positions) before any forward pass, naming both counts.
    func testCommandsRefuseAPromptLongerThanTheContext() throws {
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/models/tiny-llama3-rope").standardizedFileURL.path
        let ids = "[" + Array(repeating: "5", count: 300).joined(separator: ",") + "]"
        let gen = try GenerateCommand.parse(["--model", model, "--ids", ids, "--max-new-tokens", "1"])
        XCTAssertThrowsError(try gen.run()) { XCTAssertTrue("\($0)".contains("300 tokens") && "\($0)".contains("256"), "\($0)") }
        let lp = try LogprobsCommand.parse(["--model", model, "--ids", ids])
        XCTAssertThrowsError(try lp.run()) { XCTAssertTrue("\($0)".contains("300 tokens") && "\($0)".contains("256"), "\($0)") }
    }

    /// Item 7: an output folder that cannot be written is refused before anything runs.
    func testOutputPathWritabilityIsCheckedUpFront() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let file = tmp.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try OutputPath.ensureWritable(file, flag: "--output_path")) {
            XCTAssertTrue("\($0)".contains("not a folder"), "\($0)")
        }
        XCTAssertThrowsError(try OutputPath.ensureWritable(file.appendingPathComponent("sub/dir"), flag: "--output_path")) {
            XCTAssertTrue("\($0)".contains("is not a folder"), "\($0)")
        }
        XCTAssertNoThrow(try OutputPath.ensureWritable(tmp.appendingPathComponent("new/nested"), flag: "--output_path"))
        XCTAssertNoThrow(try OutputPath.ensureWritable(tmp, flag: "--output_path"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["plain-file"], "no probe left behind")

        // The command checks it before touching tasks, data or the model (all absent here).
        var cmd = try EvalBenchCommand.parse(["--tasks", "arc_challenge", "--model", "/nonexistent-model",
                                          "--output_path", file.path, "--cache-dir", "none",
                                          "--tasks-dir", "/nonexistent-tasks"])
        XCTAssertThrowsError(try cmd.run()) { XCTAssertTrue("\($0)".contains("--output_path"), "\($0)") }
        cmd.outputPath = tmp.path
        XCTAssertThrowsError(try cmd.run()) { XCTAssertFalse("\($0)".contains("--output_path"), "\($0)") }

        // Item 11: `model import` names its output problem instead of dumping an NSError.
        let gguf = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/checkpoints/gguf/tiny_llama.gguf").standardizedFileURL.path
        let imp = try ModelImportCommand.parse([gguf, "--output", file.appendingPathComponent("model").path])
        XCTAssertThrowsError(try imp.run()) { XCTAssertTrue("\($0)".hasPrefix("--output ") && "\($0)".contains("not a folder"), "\($0)") }
    }

    /// Item 10: invalid UTF-8 arguments and bad SFTGO_THREADS values are named, not replaced.
    func testArgumentsAndThreadsEnvironment() throws {
        let ok: [[UInt8]] = [Array("tokenize".utf8), Array("- é ✓".utf8)]
        XCTAssertNil(CommandLineChecks.problems(arguments: ok, threads: nil))
        XCTAssertNil(CommandLineChecks.problems(arguments: ok, threads: "2"))
        XCTAssertNil(CommandLineChecks.problems(arguments: ok, threads: ""))
        let bad = ok + [[0x66, 0xff, 0xfe]]
        XCTAssertTrue(CommandLineChecks.problems(arguments: bad, threads: nil)?.contains("argument 3") ?? false)
        for t in ["0", "-1", "abc", "1e20", "99999999999999999999", " 2"] {
            let p = CommandLineChecks.problems(arguments: ok, threads: t)
            XCTAssertTrue(p?.contains("SFTGO_THREADS") ?? false, "\(t): \(String(describing: p))")
        }
    }

    /// Item 12: `data verify --details` names the first bad row of a file whose checksum fails.
    func testFirstBadRowOfACorruptFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("train.jsonl")
        try Data("{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3,,}\n{\"a\": 4}\n".utf8).write(to: jsonl)
        let why = firstRowProblem(jsonl, format: "jsonl", display: "lima/train.jsonl")
        XCTAssertTrue(why?.contains("lima/train.jsonl") ?? false, "\(String(describing: why))")
        XCTAssertTrue(why?.contains("3") ?? false, "\(String(describing: why))")
        XCTAssertTrue(why?.contains("byte") ?? false, "\(String(describing: why))")
        try Data("{\"a\": 1}\n".utf8).write(to: jsonl)
        XCTAssertNil(firstRowProblem(jsonl, format: "jsonl", display: "x"), "every row parses")
    }
}

/// Item 12 at the command layer: `data verify` keeps the registered file's checksum problem, and
/// with `--details` (only then) adds the first row that does not parse.
final class DataVerifyDetailsTests: XCTestCase {
    /// Everything `body` prints to stdout.
    func captured(_ body: () throws -> Void) rethrows -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-stdout-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        fflush(stdout)
        let saved = dup(STDOUT_FILENO), fd = open(file.path, O_WRONLY)
        dup2(fd, STDOUT_FILENO); close(fd)
        defer { fflush(stdout); dup2(saved, STDOUT_FILENO); close(saved) }
        try body()
        fflush(stdout)
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    func testDetailsNameTheFirstBadRowOfARegisteredFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("ifeval"), withIntermediateDirectories: true)
        // ifeval/input_data.jsonl is registered with 207,111 bytes and a sha256: a file of that size
        // whose third row is broken fails on the checksum.
        var text = "{\"key\": 1}\n{\"key\": 2}\n{\"key\": 3,,}\n"
        let pad = 207_111 - text.utf8.count - "{\"pad\": \"\"}\n".utf8.count
        text += "{\"pad\": \"" + String(repeating: "x", count: pad) + "\"}\n"
        try Data(text.utf8).write(to: root.appendingPathComponent("ifeval/input_data.jsonl"))
        let store = DataStore(root: root)
        var result: (bad: Int, missing: Int) = (0, 0)
        let plain = try captured { result = try printStatus(store, names: ["ifeval"]) }
        XCTAssertEqual(result.bad, 1, plain)
        XCTAssertTrue(plain.contains("ifeval/input_data.jsonl: sha256 "), plain)
        XCTAssertFalse(plain.contains("first bad row"), plain)
        let detailed = try captured { _ = try printStatus(store, names: ["ifeval"], details: true) }
        let lines = detailed.split(separator: "\n").map(String.init)
        let problem = lines.firstIndex { $0.contains("ifeval/input_data.jsonl: ") }
        XCTAssertNotNil(problem, detailed)
        XCTAssertEqual(Array(lines.prefix(problem.map { $0 + 1 } ?? 0)), Array(plain.split(separator: "\n").map(String.init).prefix(problem.map { $0 + 1 } ?? 0)),
                       "the checksum problem is kept as it was")
        guard let p = problem, p + 1 < lines.count else { return XCTFail(detailed) }
        XCTAssertTrue(lines[p + 1].contains("first bad row") && lines[p + 1].contains("3"), lines[p + 1])
    }
}
