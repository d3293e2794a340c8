import XCTest
@testable import Store

/// Hostile archives (issue 21 items 1, 2 and the `../` wording of 11): no crash, no staging left
/// behind, no unbounded extraction.
final class ArchiveHardeningTests: XCTestCase {
    var src: TempDir!
    var dataDir: TempDir!
    var store: DataStore!

    override func setUpWithError() throws {
        src = try TempDir()
        dataDir = try TempDir()
        store = DataStore(root: dataDir.url.appendingPathComponent("data"), registry: try importRegistry())
    }

    func staging() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent(".sftgo").path)) ?? [])
            .filter { $0.hasPrefix("staging") }
    }

    /// Item 1: a symlink whose name is one character (`b -> y`) crashed path handling (SIGILL).
    func testOneCharacterSymlinkNameIsSkippedNotACrash() throws {
        let tar = src.url.appendingPathComponent("short.tar")
        try TestArchive.writeTar(tar, [
            .file("data/test/x_test.csv", ImportTests.test),
            .symlink("b", target: "y"),
            .file("data/dev/x_dev.csv", ImportTests.dev),
        ])
        let r = try store.importFrom(tar)
        XCTAssertEqual(r.placed.count, 2)
        XCTAssertEqual(staging(), [])
        // A one-character symlink that climbs out is still refused.
        let bad = src.url.appendingPathComponent("bad.tar")
        try TestArchive.writeTar(bad, [.symlink("c", target: "../x")])
        XCTAssertThrowsError(try store.importFrom(bad)) { e in
            guard case .unsafeArchiveEntry? = e as? StoreError else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(staging(), [])
    }

    /// Item 1: staging folders of a process that died (crash, kill -9) are removed by the next import;
    /// those of a live process are left alone.
    func testStaleStagingOfDeadProcessIsRemovedOnNextImport() throws {
        let sftgo = store.root.appendingPathComponent(".sftgo")
        let dead = sftgo.appendingPathComponent("staging-999999999-deadbeef")
        let live = sftgo.appendingPathComponent("staging-\(getpid())-0000live")
        for d in [dead, live] {
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try Data(count: 1000).write(to: d.appendingPathComponent("zeros.bin"))
        }
        let tar = src.url.appendingPathComponent("ok.tar")
        try TestArchive.writeTar(tar, [.file("data/dev/x_dev.csv", ImportTests.dev)])
        _ = try store.importFrom(tar)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead.path), "stale staging of a dead process")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "a running import's staging is kept")
    }

    /// Item 2: a member larger than any registered file it could be (by size, or by name for files
    /// registered without a size, up to the store's cap) is not written to staging; the import names it.
    func testOversizedMemberIsNotExtracted() throws {
        let tgz = src.url.appendingPathComponent("bomb.tar.gz")
        try TestArchive.writeTar(tgz, [
            .file("zeros.bin", Data(count: 4 << 20)),
            .file("al_data.json", Data(count: 3 << 20)),  // named like "al", which has no size: the cap
            .file("data/dev/x_dev.csv", ImportTests.dev),
        ], gzip: true)
        XCTAssertLessThan(try Data(contentsOf: tgz).count, 100_000)
        var capped = store!
        capped.unsizedMemberCap = 1 << 20
        let r = try capped.importFrom(tgz)
        XCTAssertEqual(r.placed.map(\.path), ["data/dev/x_dev.csv"])
        for name in ["zeros.bin", "al_data.json"] {
            XCTAssertTrue(r.notes.contains { $0.contains(name) && $0.contains("larger than") }, "\(r.notes)")
            XCTAssertTrue(r.ignored.contains(name))
        }
        // The extraction itself stops at the limit (the staged copy is never bigger than it).
        let staged = try TempDir()
        let out = try ArchiveReader.extract(tgz, into: staged.url, maxMemberBytes: { _ in 1 << 20 })
        XCTAssertEqual(out.written, ["data/dev/x_dev.csv"])
        XCTAssertEqual(out.skipped.map(\.path), ["zeros.bin", "al_data.json"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: staged.url.appendingPathComponent("zeros.bin").path))
    }

    /// Item 2: a member whose header declares more bytes than the disk has free is refused before
    /// anything is written (a hand-made tar header: GNU base-256 size 2^50, then only a few bytes).
    func testMemberLargerThanTheFreeSpaceIsRefusedUpFront() throws {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, at o: Int) { for (i, b) in s.utf8.enumerated() { h[o + i] = b } }
        put("big.bin", at: 0); put("0000644", at: 100); put("0000000", at: 108); put("0000000", at: 116)
        h[124] = 0x80
        for i in 0..<8 { h[135 - i] = UInt8(truncatingIfNeeded: (UInt64(1) << 50) >> (8 * UInt64(i))) }
        put("00000000000", at: 136); h[156] = UInt8(ascii: "0"); put("ustar", at: 257); put("00", at: 263)
        for i in 148..<156 { h[i] = 0x20 }
        put(String(format: "%06o", h.reduce(0) { $0 + Int($1) }), at: 148); h[154] = 0; h[155] = 0x20
        let tar = src.url.appendingPathComponent("huge.tar")
        try Data(h + [UInt8](repeating: 0, count: 1024)).write(to: tar)
        let staged = try TempDir()
        XCTAssertThrowsError(try ArchiveReader.extract(tar, into: staged.url)) { e in
            guard case let .io(_, reason)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("1125899906842624 bytes") && reason.contains("free"), reason)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staged.url.appendingPathComponent("big.bin").path))
    }

    /// Item 11: a `../` entry is called what it is, not "absolute".
    func testParentDirectoryEntryIsNamedAsSuch() throws {
        let tar = src.url.appendingPathComponent("up.tar")
        try TestArchive.writeTar(tar, [.file("../evil.csv", Data("x".utf8))])
        XCTAssertThrowsError(try store.importFrom(tar)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("'..'") && !s.contains("absolute"), s)
        }
        let abs = src.url.appendingPathComponent("abs.tar")
        try TestArchive.writeTar(abs, [.file("/etc/evil.csv", Data("x".utf8))])
        XCTAssertThrowsError(try store.importFrom(abs)) { e in XCTAssertTrue("\(e)".contains("absolute"), "\(e)") }
    }
}
