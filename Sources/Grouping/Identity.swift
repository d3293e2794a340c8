// Content hashes that name what masks and cached losses depend on: the data file, the tokenizer
// (tokenizer.json + tokenizer_config.json, which carries the chat template) and a model folder
// (config.json + its safetensors files).

import Foundation
import Store

public enum Identity {
    /// sha256 of a text's UTF-8 bytes.
    public static func sha256(_ text: String) -> String { SHA256.hex(of: Data(text.utf8)) }

    /// sha256 of a file.
    public static func file(_ url: URL) throws -> String {
        do { return try SHA256.hex(ofFile: url) } catch {
            throw GroupingError.badData(path: url.path, reason: "cannot hash: \(error)")
        }
    }

    /// sha256 over the named files of a folder (name and sha256 of each, in order); absent optional
    /// files count as absent, so adding one changes the identity.
    static func folder(_ dir: URL, files: [String]) throws -> String {
        var lines: [String] = []
        for f in files {
            let u = dir.appendingPathComponent(f)
            lines.append(f + " " + (FileManager.default.fileExists(atPath: u.path) ? try file(u) : "absent"))
        }
        return SHA256.hex(of: Data(lines.joined(separator: "\n").utf8))
    }

    public static func tokenizer(_ modelDir: URL) throws -> String {
        try folder(modelDir, files: ["tokenizer.json", "tokenizer_config.json"])
    }

    public static func model(_ modelDir: URL) throws -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelDir.path)) ?? []
        let weights = names.filter { $0.hasSuffix(".safetensors") }.sorted()
        guard !weights.isEmpty else {
            throw GroupingError.badReference(path: modelDir.path, reason: "no .safetensors files")
        }
        return try folder(modelDir, files: ["config.json"] + weights)
    }
}
