import Foundation

/// The external data the checkers need, read from one folder:
///   `punkt_tab/english/` — nltk's Punkt English tables (sentence counts, `word_tokenize`);
///   `langdetect/profiles/` and `langdetect/messages.properties` — langdetect 1.0.9's data.
/// sftgo ships such a folder as the Evaluation module's resource `IFEvalData` (`builtIn()`).
/// Loading parses ~2.3 MB of profiles: build one and share it.
public struct IFEvalResources: IFEvalTextTools {
    public let sentenceTokenizer: PunktSentenceTokenizer
    public let wordTokenizer: NLTKWordTokenizer
    public let languageDetector: LangDetector

    public static let environmentVariable = "SFTGO_IFEVAL_RESOURCES"

    public init(directory: URL) throws {
        let punkt = try PunktParameters(directory: directory.appendingPathComponent("punkt_tab/english"))
        sentenceTokenizer = PunktSentenceTokenizer(params: punkt)
        wordTokenizer = NLTKWordTokenizer(sentences: sentenceTokenizer)
        languageDetector = LangDetector(profiles: try LangDetectProfiles(directory: directory.appendingPathComponent("langdetect")))
    }

    /// The data shipped with sftgo (`Sources/Evaluation/IFEvalData`); `SFTGO_IFEVAL_RESOURCES`
    /// (a folder of the same layout) overrides it.
    public static func builtIn() throws -> IFEvalResources {
        if let p = ProcessInfo.processInfo.environment[environmentVariable], !p.isEmpty {
            return try IFEvalResources(directory: URL(fileURLWithPath: p))
        }
        guard let url = Bundle.module.url(forResource: "IFEvalData", withExtension: nil) else {
            throw IFEvalError.resourceMissing(path: "IFEvalData (Evaluation resources)",
                                              hint: "Set \(environmentVariable) to a folder with punkt_tab/english and langdetect/.")
        }
        return try IFEvalResources(directory: url)
    }

    public func sentenceCount(_ text: [Unicode.Scalar]) -> Int { sentenceTokenizer.spans(text).count }
    public func wordTokens(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        wordTokenizer.tokenize(PyText.string(text)).map { Array($0.unicodeScalars) }
    }
    public func detectLanguage(_ text: [Unicode.Scalar]) -> String? { languageDetector.detect(PyText.string(text)) }
}
