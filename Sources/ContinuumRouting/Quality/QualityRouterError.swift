/// Why a quality router could not be built, read or used.
public struct QualityRouterError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "quality router: \(message)" }
}
