import Foundation

/// Model checkpoints from a Hugging Face hub layout: `<endpoint>/ORG/NAME/resolve/<rev>/<file>`, file
/// list and hashes from `<endpoint>/api/models/ORG/NAME/tree/<rev>` (LFS files: `lfs.oid` = sha256;
/// others: `oid` = git blob id). Without the tree API, the fixed Hugging Face file names are tried and
/// LFS files are checked against the `X-Linked-ETag` header.
public struct HubClient {
    public var endpoint: URL
    public var downloader: Downloader

    public static func defaultEndpoint() -> URL {
        let e = ProcessInfo.processInfo.environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        return URL(string: e.hasSuffix("/") ? String(e.dropLast()) : e)!
    }

    static func token() -> String? {
        let env = ProcessInfo.processInfo.environment
        return (env["HF_TOKEN"] ?? env["HUGGING_FACE_HUB_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    public init(endpoint: URL = HubClient.defaultEndpoint(), downloader: Downloader? = nil) {
        self.endpoint = endpoint
        var o = downloader?.options ?? DownloadOptions()
        if let t = HubClient.token(), o.headers["Authorization"] == nil { o.headers["Authorization"] = "Bearer \(t)" }
        self.downloader = Downloader(options: o)
    }

    /// One file to get, with what is known about its identity.
    public struct RemoteFile {
        public var path: String
        public var size: Int64?
        public var sha256: String?
        public var gitBlob: String?
    }

    public struct ModelReport {
        public var files: [(path: String, check: String, downloaded: Bool)] = []
        public var usedTreeAPI = false
    }

    static let wantedNames: Set<String> = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json",
        "chat_template.jinja", "model.safetensors.index.json",
    ]

    static func wanted(_ path: String) -> Bool {
        !path.contains("/") && (wantedNames.contains(path) || path.hasSuffix(".safetensors"))
    }

    private func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }

    func resolveURL(_ repo: String, _ rev: String, _ file: String) -> URL {
        URL(string: "\(endpoint.absoluteString)/\(repo)/resolve/\(escape(rev))/\(file)")!
    }

    /// The file list with hashes from the tree API, or nil when the endpoint does not offer it.
    func listFiles(_ repo: String, revision: String) throws -> [RemoteFile]? {
        let u = URL(string: "\(endpoint.absoluteString)/api/models/\(repo)/tree/\(escape(revision))")!
        let data: Data
        do { data = try downloader.get(u) } catch StoreError.http(_, let status) where status == 404 { return nil }
        guard let arr = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw StoreError.io(path: u.absoluteString, reason: "tree API answer is not a JSON list")
        }
        return arr.compactMap { e in
            guard (e["type"] as? String) == "file", let p = e["path"] as? String, HubClient.wanted(p) else { return nil }
            let size = (e["size"] as? NSNumber)?.int64Value
            if let lfs = e["lfs"] as? [String: Any], let oid = lfs["oid"] as? String {
                return RemoteFile(path: p, size: (lfs["size"] as? NSNumber)?.int64Value ?? size, sha256: oid, gitBlob: nil)
            }
            return RemoteFile(path: p, size: size, sha256: nil, gitBlob: e["oid"] as? String)
        }
    }

    /// Downloads config, tokenizer files and safetensors weights (single file or index + shards) of
    /// `repo` ("ORG/NAME") at `revision` into `output`, resuming partial files and verifying each.
    public func fetchModel(_ repo: String, revision: String = "main", output: URL) throws -> ModelReport {
        let parts = repo.split(separator: "/")
        guard parts.count == 2, parts.allSatisfy({ DataPath.isSafeRelative(String($0)) }) else {
            throw StoreError.io(path: repo, reason: "model must be ORG/NAME")
        }
        var report = ModelReport()
        let log = downloader.options.log
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        if let files = try listFiles(repo, revision: revision) {
            report.usedTreeAPI = true
            guard files.contains(where: { $0.path == "config.json" }) else {
                throw StoreError.io(path: "\(repo)@\(revision)", reason: "no config.json in the repository")
            }
            guard files.contains(where: { $0.path.hasSuffix(".safetensors") }) else {
                throw StoreError.io(path: "\(repo)@\(revision)", reason: "no safetensors weights in the repository")
            }
            for f in files { report.files.append(try get(repo, revision, f, output, log)) }
        } else {
            log("\(repo): no tree API at \(endpoint.absoluteString); trying the standard file names")
            for name in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
                report.files.append(try get(repo, revision, RemoteFile(path: name), output, log))
            }
            for name in ["generation_config.json", "special_tokens_map.json"] {
                do { report.files.append(try get(repo, revision, RemoteFile(path: name), output, log)) }
                catch StoreError.http(_, 404) {}
            }
            do {
                report.files.append(try get(repo, revision, RemoteFile(path: "model.safetensors.index.json"), output, log))
                let index = try Data(contentsOf: output.appendingPathComponent("model.safetensors.index.json"))
                guard let obj = try JSONSerialization.jsonObject(with: index) as? [String: Any],
                      let map = obj["weight_map"] as? [String: String] else {
                    throw StoreError.io(path: "model.safetensors.index.json", reason: "no weight_map")
                }
                for shard in Set(map.values).sorted() {
                    guard DataPath.isSafeRelative(shard), !shard.contains("/") else {
                        throw StoreError.io(path: "model.safetensors.index.json", reason: "unsafe shard name '\(shard)'")
                    }
                    report.files.append(try get(repo, revision, RemoteFile(path: shard), output, log))
                }
            } catch StoreError.http(_, 404) {
                report.files.append(try get(repo, revision, RemoteFile(path: "model.safetensors"), output, log))
            }
        }
        return report
    }

    private func get(_ repo: String, _ rev: String, _ f: RemoteFile, _ output: URL, _ log: (String) -> Void) throws
        -> (path: String, check: String, downloaded: Bool) {
        let dest = output.appendingPathComponent(f.path)
        let expect = Expectation(bytes: f.size, sha256: f.sha256, gitBlob: f.gitBlob)
        if FileManager.default.fileExists(atPath: dest.path), f.sha256 != nil || f.gitBlob != nil,
           let d = try? FileDigest.of(dest),
           d.sha256 == (f.sha256 ?? d.sha256), d.gitBlob == (f.gitBlob ?? d.gitBlob), d.bytes == (f.size ?? d.bytes) {
            return (f.path, check(f), false)
        }
        log("\(repo): downloading \(f.path)")
        // Hashes unknown (no tree API): take the hub's sha256 of an LFS file from X-Linked-ETag.
        var fromHeader: String?
        let result = try downloader.download(resolveURL(repo, rev, f.path), to: dest, expect: expect) { etag in
            guard f.sha256 == nil, let e = etag?.lowercased(), isHex(e, count: 64) else { return nil }
            fromHeader = e
            return Expectation(sha256: e)
        }
        _ = result
        var c = check(f)
        if let h = fromHeader { c = "sha256 \(h.prefix(12))… (X-Linked-ETag)" }
        return (f.path, c, true)
    }

    private func check(_ f: RemoteFile) -> String {
        if let s = f.sha256 { return "sha256 \(s.prefix(12))…" }
        if let g = f.gitBlob { return "git blob \(g.prefix(12))…" }
        return "unverified (no hash published)"
    }
}
