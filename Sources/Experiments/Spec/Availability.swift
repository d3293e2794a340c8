import Checkpoints
import Foundation

/// Why a cell cannot run here, and the command that would fix it. The cell keeps its row in every
/// table, marked with this.
public struct Unavailability: Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var fetch: String?
    public init(reason: String, fetch: String?) {
        self.reason = reason
        self.fetch = fetch
    }
    public var description: String { reason + (fetch.map { " — fetch with: \($0)" } ?? "") }
}

/// Where models and data sets live on this machine.
public struct Locations: Sendable {
    public var modelsDirectory: URL
    public var dataDirectory: URL
    /// Model folders given explicitly (e.g. SFTGO_SMOLLM2_DIR), by requirement path.
    public var modelOverrides: [String: URL]

    public init(modelsDirectory: URL, dataDirectory: URL, modelOverrides: [String: URL] = [:]) {
        self.modelsDirectory = modelsDirectory
        self.dataDirectory = dataDirectory
        self.modelOverrides = modelOverrides
    }

    /// `SFTGO_MODELS_DIR` (default `models`), `SFTGO_DATA_DIR` (default `data`), and
    /// `SFTGO_SMOLLM2_DIR` for the SmolLM2 folder, as the rest of sftgo reads them.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Locations {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        func dir(_ key: String, _ fallback: String) -> URL {
            env[key].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) } ?? cwd.appendingPathComponent(fallback)
        }
        var overrides: [String: URL] = [:]
        if let s = env["SFTGO_SMOLLM2_DIR"], !s.isEmpty { overrides["SmolLM2-135M-Instruct"] = URL(fileURLWithPath: s) }
        return Locations(modelsDirectory: dir("SFTGO_MODELS_DIR", "models"), dataDirectory: dir("SFTGO_DATA_DIR", "data"),
                         modelOverrides: overrides)
    }

    public func url(of r: Requirement) -> URL {
        switch r.kind {
        case .model: return modelOverrides[r.path] ?? modelsDirectory.appendingPathComponent(r.path)
        case .data: return dataDirectory.appendingPathComponent(r.path)
        }
    }

    /// The first missing requirement of `cell`, or nil when all are present.
    public func unavailability(of cell: Cell) -> Unavailability? {
        for r in cell.requires where !FileManager.default.fileExists(atPath: url(of: r).path) {
            return Unavailability(reason: "\(r.kind.rawValue) \(r.name) absent (no \(url(of: r).path))", fetch: r.fetch)
        }
        return nil
    }
}
