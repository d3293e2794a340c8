import Checkpoints
import Evaluation
import Foundation
import Models
import Tensors

/// What every run records about its numerics: the OpenBLAS kernel, the row quantum calibrated for
/// the model's product shapes, and the thread count. Bits are promised identical only for the same
/// kernel; a reader comparing two runs checks these first.
enum NumericsProvenance {
    static func calibration(modelDirectory: URL) throws -> GemmCalibration {
        Llama.calibration(config: try ModelFolder(directory: modelDirectory).llamaConfig())
    }

    static func json(_ c: GemmCalibration) -> JSONValue {
        .object(JSONObject(c.provenance.map { key, value in
            (key, Int(value).map { JSONValue.int($0) } ?? .string(value))
        }))
    }

    static func line(_ c: GemmCalibration) -> String {
        c.provenance.map { "\($0)=\($1)" }.joined(separator: " ")
    }
}
