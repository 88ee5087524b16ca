/// A routing-quality data file that cannot be read as what it claims to be; the message
/// names the file and, for a bad row, its line.
public struct QualityDataError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "routing data: \(message)" }
}
