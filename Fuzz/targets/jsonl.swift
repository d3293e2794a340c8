// libFuzzer target: EvaluationFuzz.jsonl on arbitrary bytes (see Fuzz/README.md).
import Foundation
import Evaluation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    EvaluationFuzz.jsonl(Data(bytes: data, count: size))
    return 0
}
