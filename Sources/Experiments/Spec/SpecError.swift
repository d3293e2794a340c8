import Foundation

/// A spec, paper-numbers or store file that cannot be used, named by file, line and field.
public struct SpecError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var field: String
    public var message: String

    public init(file: String, line: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        file == "-" ? "\(field): \(message)" : "\(file)\(line.map { ":\($0)" } ?? ""): \(field): \(message)"
    }
}
