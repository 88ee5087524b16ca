/// How `continuum serve` listens and what it serves.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger ones get 413.
    public var bodyLimit: Int
    /// The name clients use in `model` (also listed by `/v1/models`).
    public var modelName: String
    /// Seconds in-flight requests get to finish on SIGTERM.
    public var shutdownGrace: Double

    public init(host: String = "127.0.0.1", port: Int = 8080, bodyLimit: Int = 4 << 20, modelName: String,
                shutdownGrace: Double = 30) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.modelName = modelName
        self.shutdownGrace = shutdownGrace
    }
}
