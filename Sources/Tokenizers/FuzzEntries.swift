import Foundation

/// Tokenizer entry points shared by the libFuzzer targets (Fuzz/) and the replay tests of their
/// regression inputs: arbitrary bytes must give a tokenizer or a typed error, and any text must
/// encode and decode without trapping.
public enum TokenizersFuzz {
    static let sample = "Hello world! 123  ünïcödé\n\t<|im_start|>user ’quotes’ 🙂 ..."

    /// Bytes as tokenizer.json; when they load, a sample text is encoded and decoded.
    public static func tokenizerJSON(_ data: Data) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("tokenizer.json")
        try? data.write(to: url)
        guard let t = try? Tokenizer(tokenizerJSON: url, tokenizerConfig: nil, generationConfig: nil) else { return }
        encode(Data(sample.utf8), with: t)
    }

    /// Bytes as text (invalid UTF-8 repaired as String(decoding:) does) through `t`; every id must
    /// decode, with offsets (Unicode scalars) inside the text.
    public static func encode(_ data: Data, with t: Tokenizer) {
        let text = String(decoding: data, as: UTF8.self)
        let ids = t.encode(text, addSpecialTokens: true)
        _ = t.decode(ids, skipSpecialTokens: false)
        _ = t.decode(ids, skipSpecialTokens: true)
        let n = text.unicodeScalars.count
        for (_, r) in t.encodeWithOffsets(text) where r.lowerBound < 0 || r.upperBound > n {
            fatalError("offsets \(r) outside the text (\(n) scalars)")
        }
    }
}
