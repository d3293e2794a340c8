// lm-eval's tokenizer calls on the project's Hugging Face tokenizer: encode with
// add_special_tokens=False, decode with skip_special_tokens=True.
import Foundation
import Tokenizers

public final class HFTokenizerAdapter: ScoringTokenizer {
    public let tokenizer: Tokenizer
    public init(_ tokenizer: Tokenizer) { self.tokenizer = tokenizer }
    public func encodePlain(_ text: String) throws -> [Int] { tokenizer.encode(text, addSpecialTokens: false) }
    public func decodeSkippingSpecial(_ ids: [Int]) throws -> String { tokenizer.decode(ids, skipSpecialTokens: true) }
    public var bosTokenId: Int? { tokenizer.bosTokenId }
    public var eosTokenId: Int? { tokenizer.eosTokenId }
}
