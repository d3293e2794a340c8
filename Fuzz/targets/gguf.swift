// libFuzzer target: CheckpointsFuzz.gguf on arbitrary bytes (see Fuzz/README.md).
import Foundation
import Checkpoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    CheckpointsFuzz.gguf(Data(bytes: data, count: size))
    return 0
}
