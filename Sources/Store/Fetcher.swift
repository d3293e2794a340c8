import Foundation

/// What `data fetch` did for one data set.
public struct FetchReport {
    public var dataset: String
    public var variant: String
    public var downloaded: [String] = []
    public var alreadyPresent: [String] = []
    public var warnings: [String] = []
}

extension DataStore {
    /// Imports registered files from a folder, an archive (tar, tar.gz, zip, …) or a single file.
    public func importFrom(_ source: URL, datasets: Set<String>? = nil) throws -> ImportReport {
        try Importer(store: self).run(source, datasets: datasets)
    }

    /// Forget cached digests so the next verification re-hashes every file.
    public func dropDigestCache() { verifier.dropCache(); verifier.saveCache() }

    /// Downloads data set `name` (its default variant, or `variant`), verifies every file and places it.
    public func fetch(_ name: String, variant: String? = nil, downloader: Downloader = Downloader()) throws -> FetchReport {
        let d = try registry.dataset(name)
        let v: Registry.Variant
        if let id = variant {
            guard let found = d.variants.first(where: { $0.id == id }) else {
                throw StoreError.notFetchable(dataset: name, reason: "no variant '\(id)' (have \(d.variants.map(\.id).joined(separator: ", ")))")
            }
            v = found
        } else { v = d.fetchVariant }
        guard v.isFetchable else {
            throw StoreError.notFetchable(dataset: name, reason: "variant '\(v.id)' has no download URL; use sftgo data import")
        }
        var report = FetchReport(dataset: name, variant: v.id)
        let log = downloader.options.log
        if let archive = v.archive {
            if case .verified(v.id) = try status(dataset: name).state {
                report.alreadyPresent = v.files.map(\.path); return report
            }
            guard let archiveURL = URL(string: archive.url) else { throw StoreError.registry("\(name): bad archive url") }
            let dl = root.appendingPathComponent(".sftgo/downloads/\(name)-\(archiveURL.lastPathComponent)")
            log("\(name): downloading \(archive.url)")
            _ = try downloader.download(archiveURL, to: dl, expect: Expectation(sha256: archive.sha256))
            let imp = try importFrom(dl, datasets: [name])
            try? FileManager.default.removeItem(at: dl)
            report.downloaded = imp.placed.filter { !$0.alreadyPresent }.map(\.path)
            report.alreadyPresent = imp.placed.filter(\.alreadyPresent).map(\.path)
            let missing = v.files.filter { f in f.isRequired && !imp.placed.contains { $0.path == f.path } }
            if let m = missing.first {
                throw StoreError.missing(dataset: name, path: url(dataset: name, path: m.path).path,
                                         remedy: "the archive \(archive.url) did not hold it (\(missing.count) registered files missing); sftgo data import <a folder that holds it>")
            }
            return report
        }
        for f in v.files {
            let dest = url(dataset: name, path: f.path)
            if verifier.check(dest, against: f) == .verified { report.alreadyPresent.append(f.path); continue }
            guard let s = f.url, let u = URL(string: s) else {
                if f.isRequired { throw StoreError.notFetchable(dataset: name, reason: "\(f.path) has no URL") }
                report.warnings.append("\(f.path): optional, no download URL (import it if you have it)")
                continue
            }
            do {
                log("\(name): downloading \(s)")
                let tmp = dest.deletingLastPathComponent().appendingPathComponent(".\(dest.lastPathComponent).fetch")
                var dl = downloader
                if u.host?.hasSuffix("huggingface.co") == true, let tok = HubClient.token() {
                    var o = downloader.options; o.headers["Authorization"] = "Bearer \(tok)"; dl = Downloader(options: o)
                }
                _ = try dl.download(u, to: tmp, expect: Expectation(bytes: f.bytes, sha256: f.sha256, gitBlob: f.gitBlob))
                if case let .corrupt(r) = verifier.check(tmp, against: f) {
                    try? FileManager.default.removeItem(at: tmp)
                    throw StoreError.corrupt(dataset: name, path: dest.path, reason: "downloaded from \(s): \(r)", remedy: "sftgo data import <a verified copy>")
                }
                try AtomicFile.commit(tmp, to: dest)
                verifier.renamed(from: tmp, to: dest)
                report.downloaded.append(f.path)
            } catch {
                // Leave no empty folders behind (a kept .part file keeps its folder).
                _ = rmdir(dest.deletingLastPathComponent().path)
                _ = rmdir(root.appendingPathComponent(name).path)
                if f.isRequired { throw error }
                report.warnings.append("\(f.path) (optional): \(error)")
            }
        }
        verifier.saveCache()
        return report
    }
}
