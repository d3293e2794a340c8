import Foundation

/// The external data the checkers need, read from one folder:
///   `punkt_tab/english/` — nltk's Punkt English tables (sentence counts, `word_tokenize`);
///   `langdetect/profiles/` and `langdetect/messages.properties` — langdetect 1.0.9's data.
/// The repository ships such a folder at `Tests/Fixtures/IFEval/resources`;
/// `SFTGO_IFEVAL_RESOURCES` names one at run time.
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

    /// From `$SFTGO_IFEVAL_RESOURCES`; a clear error when it is unset or incomplete.
    public static func fromEnvironment() throws -> IFEvalResources {
        guard let p = ProcessInfo.processInfo.environment[environmentVariable], !p.isEmpty else {
            throw IFEvalError.resourceMissing(
                path: "$\(environmentVariable)",
                hint: "Set \(environmentVariable) to a folder with punkt_tab/english and langdetect/ (the repository's Tests/Fixtures/IFEval/resources is one).")
        }
        return try IFEvalResources(directory: URL(fileURLWithPath: p))
    }

    public func sentenceCount(_ text: [Unicode.Scalar]) -> Int { sentenceTokenizer.spans(text).count }
    public func wordTokens(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        wordTokenizer.tokenize(PyText.string(text)).map { Array($0.unicodeScalars) }
    }
    public func detectLanguage(_ text: [Unicode.Scalar]) -> String? { languageDetector.detect(PyText.string(text)) }
}
