import XCTest
import CArchive
@testable import Store

/// A tar written with libarchive, so entries can carry any name, link or type (including the
/// malicious ones `tar` refuses to create).
enum TestArchive {
    enum Entry {
        case file(String, Data)
        case symlink(String, target: String)
        case hardlink(String, target: String)
        case fifo(String)
    }

    static func writeTar(_ url: URL, _ entries: [Entry], gzip: Bool = false) throws {
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        archive_write_set_format_pax_restricted(a)
        if gzip { archive_write_add_filter_gzip(a) }
        guard archive_write_open_filename(a, url.path) == ARCHIVE_OK else { throw POSIXError(.EIO) }
        for e in entries {
            let en = archive_entry_new()!
            defer { archive_entry_free(en) }
            switch e {
            case let .file(name, data):
                archive_entry_set_pathname(en, name)
                archive_entry_set_filetype(en, 0o100000)
                archive_entry_set_perm(en, 0o644)
                archive_entry_set_size(en, la_int64_t(data.count))
                archive_write_header(a, en)
                _ = data.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
            case let .symlink(name, target):
                archive_entry_set_pathname(en, name)
                archive_entry_set_filetype(en, 0o120000)
                archive_entry_set_perm(en, 0o777)
                archive_entry_set_symlink(en, target)
                archive_write_header(a, en)
            case let .hardlink(name, target):
                archive_entry_set_pathname(en, name)
                archive_entry_set_filetype(en, 0o100000)
                archive_entry_set_perm(en, 0o644)
                archive_entry_set_hardlink(en, target)
                archive_entry_set_size(en, 0)
                archive_write_header(a, en)
            case let .fifo(name):
                archive_entry_set_pathname(en, name)
                archive_entry_set_filetype(en, 0o010000)
                archive_entry_set_perm(en, 0o644)
                archive_write_header(a, en)
            }
        }
        archive_write_close(a)
    }
}

/// Registry of a small "mm" set laid out like MMLU (data/<split>/<subject>_<split>.csv) and a
/// single-file set recognised by git blob only (like Alpaca).
func importRegistry() throws -> Registry {
    try Registry.parse(yaml: """
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
              - {path: data/test/x_test.csv, bytes: \(ImportTests.test.count), sha256: \(SHA256.hex(of: ImportTests.test)), rows: 2, format: csv-noheader}
              - {path: data/dev/x_dev.csv, bytes: \(ImportTests.dev.count), sha256: \(SHA256.hex(of: ImportTests.dev)), rows: 1, format: csv-noheader}
      - name: al
        title: t
        license: l
        variants:
          - id: upstream
            kind: upstream
            provenance: p
            files:
              - {path: al_data.json, git_blob: \(GitBlob.id(of: ImportTests.al)), rows: 1, format: json}
    """)
}

final class ImportTests: XCTestCase {
    static let test = Data("\"q, with comma\",a,b,c,d,A\nq2,a,b,c,d,B\n".utf8)
    static let dev = Data("q3,a,b,c,d,C\n".utf8)
    static let al = Data("[{\"instruction\": \"Give three tips\"}]\n".utf8)

    var src: TempDir!
    var dataDir: TempDir!
    var store: DataStore!

    override func setUpWithError() throws {
        src = try TempDir()
        dataDir = try TempDir()
        store = DataStore(root: dataDir.url.appendingPathComponent("data"), registry: try importRegistry())
        _ = try src.file("tree/data/test/x_test.csv", Self.test)
        _ = try src.file("tree/data/dev/x_dev.csv", Self.dev)
        _ = try src.file("tree/data/README.txt", "unregistered")
        _ = try src.file("tree/__MACOSX/data/test/._x_test.csv", "resource fork")
    }

    /// Everything in the data directory except the store's own `.sftgo` bookkeeping.
    func dataFiles() -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: store.root.path)) ?? [])
            .filter { !$0.hasPrefix(".sftgo") }
            .filter { var d: ObjCBool = false; FileManager.default.fileExists(atPath: store.root.appendingPathComponent($0).path, isDirectory: &d); return !d.boolValue }
            .sorted()
    }
    func staging() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent(".sftgo").path)) ?? []).filter { $0.hasPrefix("staging") }
    }

    func testFolderImportPlacesByContentAndIsIdempotent() throws {
        // A copy renamed on disk is still recognised by content.
        _ = try src.file("tree/extra/renamed.json", Self.al)
        let r = try store.importFrom(src.url.appendingPathComponent("tree"))
        XCTAssertEqual(Set(r.placed.map { "\($0.dataset)/\($0.path)" }), ["mm/data/test/x_test.csv", "mm/data/dev/x_dev.csv"],
                       "renamed.json is not al_data.json and al has no size: matched by name + content only")
        XCTAssertTrue(r.ignored.contains("data/README.txt"))
        XCTAssertEqual(try store.status(dataset: "mm").state, .verified(variant: "upstream"))
        XCTAssertEqual(dataFiles(), ["mm/data/dev/x_dev.csv", "mm/data/test/x_test.csv"])
        let again = try store.importFrom(src.url.appendingPathComponent("tree"))
        XCTAssertTrue(again.placed.allSatisfy(\.alreadyPresent))
    }

    func testSingleFileImportByGitBlob() throws {
        let f = try src.file("al_data.json", Self.al)
        let r = try store.importFrom(f)
        XCTAssertEqual(r.placed.map(\.path), ["al_data.json"])
        XCTAssertEqual(try store.status(dataset: "al").state, .verified(variant: "upstream"))
        let wrong = try src.file("other/al_data.json", Data("[{\"instruction\": \"x\"}]\n".utf8))
        let store2 = DataStore(root: dataDir.url.appendingPathComponent("d2"), registry: try importRegistry())
        XCTAssertEqual(try store2.importFrom(wrong).placed.count, 0, "same name, wrong bytes: not imported")
        XCTAssertEqual(try store2.status(dataset: "al").state, .missing)
    }

    func testCorruptDestinationIsReplacedAtomically() throws {
        let dest = store.url(dataset: "mm", path: "data/test/x_test.csv")
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("garbage".utf8).write(to: dest)
        XCTAssertEqual(try store.status(dataset: "mm").state, .incomplete)
        _ = try store.importFrom(src.url.appendingPathComponent("tree"))
        XCTAssertEqual(try Data(contentsOf: dest), Self.test)
        XCTAssertEqual(dataFiles(), ["mm/data/dev/x_dev.csv", "mm/data/test/x_test.csv"], "no temporary files left")
    }

    func testTarTarGzAndZipArchives() throws {
        let tree = src.url.appendingPathComponent("tree")
        let tar = src.url.appendingPathComponent("data.tar"), tgz = src.url.appendingPathComponent("data.tar.gz")
        let zip = src.url.appendingPathComponent("mmlu.zip")
        try shell("tar", "-cf", tar.path, "-C", tree.path, "data")
        try shell("tar", "-czf", tgz.path, "-C", tree.path, "data", "__MACOSX")
        try shell("zip", "-qr", zip.path, "data", cwd: tree)
        for archive in [tar, tgz, zip] {
            let store = DataStore(root: dataDir.url.appendingPathComponent(archive.lastPathComponent), registry: try importRegistry())
            let r = try store.importFrom(archive)
            XCTAssertEqual(r.placed.count, 2, archive.lastPathComponent)
            XCTAssertEqual(try store.status(dataset: "mm").state, .verified(variant: "upstream"), archive.lastPathComponent)
            XCTAssertEqual(try store.verifiedFile(dataset: "mm", path: "mm/data/dev/x_dev.csv").lastPathComponent, "x_dev.csv")
        }
    }

    func testTruncatedAndCorruptArchivesLeaveNothing() throws {
        let tree = src.url.appendingPathComponent("tree")
        let tgz = src.url.appendingPathComponent("data.tar.gz"), zip = src.url.appendingPathComponent("data.zip")
        // Large enough that truncation cuts into member data, not only the end-of-archive padding.
        _ = try src.file("tree/data/test/big.bin", testBytes(400_000))
        try shell("tar", "-czf", tgz.path, "-C", tree.path, "data")
        try shell("zip", "-qr", zip.path, "data", cwd: tree)
        let full = try Data(contentsOf: tgz)
        let cut = src.url.appendingPathComponent("cut.tar.gz")
        try full.prefix(full.count * 2 / 3).write(to: cut)
        // A damaged tar header (checksum no longer matches).
        let tar = src.url.appendingPathComponent("data.tar")
        try shell("tar", "-cf", tar.path, "-C", tree.path, "data")
        var flipped = try Data(contentsOf: tar)
        for i in 100..<140 { flipped[i] ^= 0xff }
        let bad = src.url.appendingPathComponent("bad.tar")
        try flipped.write(to: bad)
        // An intact archive whose registered member has other bytes (e.g. corrupted before packing).
        let other = try TempDir()
        _ = try other.file("data/dev/x_dev.csv", Self.dev)
        _ = try other.file("data/test/x_test.csv", "q,a,b,c,d,A\nq2,a,b,c,d,C\n")
        let wrongMember = src.url.appendingPathComponent("wrong-member.tar.gz")
        try shell("tar", "-czf", wrongMember.path, "-C", other.url.path, "data")
        let zfull = try Data(contentsOf: zip)
        let zcut = src.url.appendingPathComponent("cut.zip")
        try zfull.prefix(zfull.count / 2).write(to: zcut)
        let garbage = src.url.appendingPathComponent("garbage.tar")
        try testBytes(10_000).write(to: garbage)
        for a in [cut, bad, wrongMember, zcut, garbage] {
            XCTAssertThrowsError(try store.importFrom(a), a.lastPathComponent) { e in
                guard case let StoreError.archive(path, _) = e else { return XCTFail("\(a.lastPathComponent): \(e)") }
                XCTAssertEqual(path, a.path)
                XCTAssertTrue("\(e)".contains("nothing was imported"))
            }
            XCTAssertEqual(dataFiles(), [], a.lastPathComponent)
            XCTAssertEqual(staging(), [], a.lastPathComponent)
        }
    }

    func testPathTraversalEntriesAreRefused() throws {
        let good: TestArchive.Entry = .file("data/test/x_test.csv", Self.test)
        let outside = dataDir.url.appendingPathComponent("escaped.txt")
        let cases: [(String, TestArchive.Entry)] = [
            ("dotdot", .file("data/../../escaped.txt", Data("x".utf8))),
            ("leading-dotdot", .file("../escaped.txt", Data("x".utf8))),
            ("absolute", .file(outside.path, Data("x".utf8))),
            ("symlink-out", .symlink("data/dev/x_dev.csv", target: "../../../../etc/passwd")),
            ("symlink-absolute", .symlink("data/link", target: "/etc")),
            ("hardlink-absolute", .hardlink("data/dev/x_dev.csv", target: "/etc/passwd")),
            ("hardlink-out", .hardlink("data/dev/x_dev.csv", target: "../escaped.txt")),
            ("fifo", .fifo("data/pipe")),
        ]
        for (name, evil) in cases {
            let a = src.url.appendingPathComponent("\(name).tar.gz")
            // The bad entry comes after a good one: the good one must not be placed either.
            try TestArchive.writeTar(a, [good, evil, .file("data/dev/x_dev.csv", Self.dev)], gzip: true)
            XCTAssertThrowsError(try store.importFrom(a), name) { e in
                guard case StoreError.unsafeArchiveEntry = e else { return XCTFail("\(name): \(e)") }
                XCTAssertTrue("\(e)".contains("refused entry"), "\(e)")
            }
            XCTAssertEqual(dataFiles(), [], name)
            XCTAssertEqual(staging(), [], name)
            XCTAssertFalse(FileManager.default.fileExists(atPath: outside.path), name)
        }
        // Links that stay inside are fine: a safe symlink is skipped, a hard link to an earlier entry copied.
        let ok = src.url.appendingPathComponent("ok.tar")
        try TestArchive.writeTar(ok, [good, .symlink("data/latest", target: "test/x_test.csv"),
                                      .file("data/dev/orig.csv", Self.dev), .hardlink("data/dev/x_dev.csv", target: "data/dev/orig.csv")])
        XCTAssertEqual(try store.importFrom(ok).placed.count, 2)
        XCTAssertEqual(try store.status(dataset: "mm").state, .verified(variant: "upstream"))
    }

    func testImportingTheDataDirectoryIntoItselfIsRefused() throws {
        try FileManager.default.createDirectory(at: store.root, withIntermediateDirectories: true)
        XCTAssertThrowsError(try store.importFrom(store.root))
        XCTAssertThrowsError(try store.importFrom(src.url.appendingPathComponent("nope")))
    }
}
