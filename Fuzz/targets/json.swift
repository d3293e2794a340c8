// libFuzzer target: CheckpointsFuzz.json on arbitrary bytes (see Fuzz/README.md).
import Foundation
import Checkpoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    CheckpointsFuzz.json(Data(bytes: data, count: size))
    return 0
}
