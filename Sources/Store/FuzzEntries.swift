import Foundation

/// Archive import's entry point shared by the libFuzzer target (Fuzz/) and the replay test of its
/// regression inputs: any bytes given as an archive are imported into a scratch data folder or
/// refused; nothing may be written outside that folder and no staging may be left behind.
public enum StoreFuzz {
    static let registryYAML = """
    version: 1
    datasets:
      - name: mm
        title: t
        license: l
        variants:
          - id: upstream
            kind: upstream
            provenance: p
            files:
              - {path: data/test/x_test.csv, bytes: 12, sha256: 0a3b0f6ad5cd2a4ae9b9e0e8f5c0b1b5c1b7a5f1e3f2a8b0c9d6e7f8a9b0c1d2, rows: 1, format: csv-noheader}
              - {path: train.jsonl, rows: 1, format: jsonl, first: "a"}

    """

    public static func archiveImport(_ data: Data) {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("sftgo-fuzz-\(getpid())/import")
        try? fm.removeItem(at: dir)
        try? fm.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        let archive = dir.appendingPathComponent("in/fuzz.tar.gz")  // libarchive detects the real format
        try? data.write(to: archive)
        guard let registry = try? Registry.parse(yaml: registryYAML) else { fatalError("fuzz registry does not parse") }
        var store = DataStore(root: dir.appendingPathComponent("data"), registry: registry)
        store.unsizedMemberCap = 1 << 20
        _ = try? store.importFrom(archive)
        // Only the data folder and the archive itself may exist under the scratch folder.
        let top = Set((try? fm.contentsOfDirectory(atPath: dir.path)) ?? [])
        guard top.isSubset(of: ["in", "data"]), (try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent("in").path)) == ["fuzz.tar.gz"] else {
            fatalError("archive import wrote outside the data folder: \(top.sorted())")
        }
        let leftover = ((try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent("data/.sftgo").path)) ?? [])
            .filter { $0.hasPrefix("staging") }
        guard leftover.isEmpty else { fatalError("staging left behind: \(leftover)") }
    }
}
