import ArgumentParser
import Foundation
import Tensors

/// A refusal of bad input, worded for the user (no usage dump: the flags parsed fine).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// How many tokens a generation may use within the model's context (positions 0..<context).
enum ContextBudget {
    /// The prompt must leave room for at least one new token: a longer prompt is refused (generation
    /// never truncates it silently); `requested` new tokens are capped at the room left, with a note.
    static func newTokens(prompt: Int, requested: Int, context: Int) throws -> (count: Int, note: String?) {
        guard prompt < context else {
            throw InputError("the prompt has \(prompt) tokens but the model's context is \(context) " +
                             "(max_position_embeddings), which must also hold the new tokens; shorten the prompt")
        }
        let room = context - prompt
        if requested <= room { return (requested, nil) }
        return (room, "note: --max-new-tokens \(requested) capped at \(room): the model's context is \(context) tokens " +
                      "and the prompt has \(prompt)")
    }

    /// A scored sequence must fit the context.
    static func checkFits(_ tokens: Int, context: Int) throws {
        guard tokens <= context else {
            throw InputError("the input has \(tokens) tokens but the model's context is \(context) (max_position_embeddings)")
        }
    }
}

/// lm-eval's `--limit`: below 1.0 a fraction of each task's documents, else a count (truncated to an
/// integer, as lm-eval's int(limit)).
enum LimitOption {
    static func check(_ l: Double) throws {
        guard l.isFinite else { throw ValidationError("--limit must be a number of documents or a fraction below 1, got \(l)") }
        guard l > 0 else { throw ValidationError("--limit must be > 0, got \(l)") }
        guard l < Double(Int32.max) else {
            throw ValidationError("--limit \(l) is too large; leave --limit out to use every document")
        }
    }
}

/// Results are written at the end of a run; a folder that cannot take them must stop the run
/// before any model is loaded, not after the scoring.
enum OutputPath {
    static func ensureWritable(_ dir: URL, flag: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw InputError("\(flag) \(dir.path): exists and is not a folder") }
        } else {
            // The nearest existing ancestor must be a folder we can create entries in.
            var up = dir.deletingLastPathComponent()
            while !fm.fileExists(atPath: up.path, isDirectory: &isDir), up.path != "/" { up = up.deletingLastPathComponent() }
            guard isDir.boolValue else { throw InputError("\(flag) \(dir.path): \(up.path) is not a folder") }
            guard access(up.path, W_OK | X_OK) == 0 else {
                throw InputError("\(flag) \(dir.path): cannot create it inside \(up.path) (\(String(cString: strerror(errno))))")
            }
            return
        }
        let probe = dir.appendingPathComponent(".sftgo-write-test-\(getpid())")
        let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw InputError("\(flag) \(dir.path): not writable (\(String(cString: strerror(errno))))")
        }
        close(fd)
        unlink(probe.path)
    }
}

/// Checks made before any command parses: arguments must be valid UTF-8 (Swift would replace bad
/// bytes with U+FFFD silently) and SFTGO_THREADS, when set, must be a positive thread count.
public enum CommandLineChecks {
    /// Index (0-based, program name excluded) of the first argument that is not valid UTF-8.
    static func firstInvalidUTF8(_ args: [[UInt8]]) -> Int? {
        args.firstIndex { String(validating: $0, as: UTF8.self) == nil }
    }

    static func problems(arguments: [[UInt8]], threads: String?) -> String? {
        if let i = firstInvalidUTF8(arguments) {
            let shown = String(decoding: arguments[i], as: UTF8.self)
            return "argument \(i + 1) (\(shown.debugDescription)) is not valid UTF-8; pass text as UTF-8"
        }
        if let t = threads, !t.isEmpty, ThreadPool.parseThreadCount(t) == nil {
            return "SFTGO_THREADS=\(t.debugDescription) is not a thread count (a whole number 1...\(ThreadPool.maxThreads)); unset it to use all cores"
        }
        return nil
    }

    /// Runs `command` after the checks; a failed check exits with status 64 (usage) and one line.
    public static func main<C: ParsableCommand>(_ command: C.Type) {
        KernelAdvice.useFittingKernel()
        var raw: [[UInt8]] = []
        for i in 1..<Int(CommandLine.argc) {
            guard let p = CommandLine.unsafeArgv[i] else { continue }
            raw.append(Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self),
                                                 count: strlen(p))))
        }
        let threads = ProcessInfo.processInfo.environment["SFTGO_THREADS"]
        if let p = problems(arguments: raw, threads: threads) {
            FileHandle.standardError.write(Data("Error: \(p)\n".utf8))
            exit(64)
        }
        command.main()
    }
}
