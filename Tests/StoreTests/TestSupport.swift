import Foundation
import XCTest
@testable import Store

/// A temporary directory removed when the value is released.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ rel: String, _ contents: String) throws -> URL { try file(rel, Data(contents.utf8)) }
    func file(_ rel: String, _ data: Data) throws -> URL {
        let u = url.appendingPathComponent(rel)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: u)
        return u
    }
}

/// Runs a tool from PATH; returns stdout. Throws on a non-zero exit.
@discardableResult
func shell(_ args: String..., input: Data? = nil, cwd: URL? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe(); p.standardOutput = out
    let err = Pipe(); p.standardError = err
    let inp = Pipe()
    if input != nil { p.standardInput = inp }
    try p.run()
    if let input { inp.fileHandleForWriting.write(input); try inp.fileHandleForWriting.close() }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "shell", code: Int(p.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(args.joined(separator: " ")): \(String(decoding: e, as: UTF8.self))"])
    }
    return String(decoding: o, as: UTF8.self)
}

func sha(_ s: String) -> String { SHA256.hex(of: Data(s.utf8)) }
