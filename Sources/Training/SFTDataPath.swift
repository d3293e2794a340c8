import Foundation

extension SFTData {
    /// An SFT data file from a path (file, or a folder holding exactly one .json/.jsonl) or a name
    /// under `dataRoot` (e.g. `lima` → `<dataRoot>/lima/<the one file>`).
    public static func resolve(_ spec: String, dataRoot: URL) throws -> URL {
        var url = URL(fileURLWithPath: spec)
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
            url = dataRoot.appendingPathComponent(spec)
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
                throw TrainingError.unreadable(file: spec, reason: "no such file, nor \(url.path)")
            }
        }
        if isDir.boolValue {
            let files = try FileManager.default.contentsOfDirectory(atPath: url.path)
                .filter { $0.hasSuffix(".json") || $0.hasSuffix(".jsonl") }.sorted()
            guard files.count == 1 else {
                throw TrainingError.unreadable(file: url.path, reason: "expected one .json/.jsonl file, found \(files)")
            }
            url = url.appendingPathComponent(files[0])
        }
        return url
    }
}
