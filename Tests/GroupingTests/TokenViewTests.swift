import XCTest
import Foundation
@testable import Grouping

final class TokenViewTests: XCTestCase {
    func page() throws -> String {
        let text = "Buns are heated to the right temperature, but not stored.\u{1F600}"
        let scalars = Array(text.unicodeScalars)
        // Tokens: words with their leading space, then one special token.
        var offsets: [Range<Int>] = []
        var start = 0
        for i in 1...scalars.count where i == scalars.count || scalars[i] == " " { offsets.append(start..<i); start = i }
        offsets.append(scalars.count..<scalars.count)
        let e = GroupingExample(index: 7, tokens: [0] + Array(100..<(100 + offsets.count)),
                                lossPositions: Array(1...offsets.count), text: text, lossOffsets: offsets)
        let identity = MaskIdentity(dataSHA256: "d", tokenizer: "t", method: "tfidf", settings: [:], eta: 0.5,
                                    scope: .sequence, batchSize: 0, modelHash: "none")
        let a = try MaskBuilder.build(RandomGroups(seed: 1), examples: [e], identity: identity)
        let b = try MaskBuilder.build(Frequency(), examples: [e], identity: identity)
        return TokenView.html(examples: [e], columns: [.init(title: "random <seed 1>", set: a), .init(title: "frequency", set: b)],
                              title: "view test", tokenText: { _ in "<|im_end|>" })
    }

    func testPageIsSelfContainedAndMarksImportantTokens() throws {
        let html = try page()
        XCTAssertFalse(html.contains("<script"), "no scripts")
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("src="), "no external resources")
        XCTAssert(html.contains("random &lt;seed 1&gt;"), "titles escaped")
        XCTAssert(html.contains("&lt;|im_end|&gt;"), "special tokens spelled and escaped")
        XCTAssert(html.contains("\u{1F600}"))
        // η = 0.5 over 10 word tokens + 1 special: both columns outline important tokens.
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "class=\"t imp").count - 1, 8)
        XCTAssertEqual(TokenView.rankFractions([3, 1, 3, 2]), [5.0 / 6, 0, 5.0 / 6, 1.0 / 3])
    }

    /// Rendered by headless Chromium (Debian's `chromium`): the screenshot is a real PNG of the asked
    /// size and carries far more than a blank page of the same size.
    func testRendersInHeadlessChromium() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let exe = chromium else { throw XCTSkip("no chromium: apt-get install -y chromium") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-view-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func shot(_ html: String, _ name: String) throws -> Data {
            let page = dir.appendingPathComponent(name + ".html"), png = dir.appendingPathComponent(name + ".png")
            try Data(html.utf8).write(to: page)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,500",
                           "--user-data-dir=" + dir.appendingPathComponent("profile-" + name).path,
                           "--screenshot=" + png.path, page.absoluteString]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            return try Data(contentsOf: png)
        }
        let view = try shot(try page(), "view")
        let blank = try shot("<!DOCTYPE html><html><body></body></html>", "blank")
        XCTAssertEqual(Array(view.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        func be32(_ d: Data, _ at: Int) -> Int { d[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(view, 16), 900); XCTAssertEqual(be32(view, 20), 500)
        XCTAssertGreaterThan(view.count, 4 * blank.count, "view \(view.count) bytes vs blank \(blank.count): the page rendered blank")
    }
}
