// libFuzzer target: TokenizersFuzz.tokenizerJSON on arbitrary bytes (see Fuzz/README.md).
import Foundation
import Tokenizers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    TokenizersFuzz.tokenizerJSON(Data(bytes: data, count: size))
    return 0
}
