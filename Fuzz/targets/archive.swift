// libFuzzer target: StoreFuzz.archiveImport on arbitrary bytes (see Fuzz/README.md).
import Foundation
import Store

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    StoreFuzz.archiveImport(Data(bytes: data, count: size))
    return 0
}
