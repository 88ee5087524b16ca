public import HummingbirdCore

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1.1 server guarded by `limits` (timeouts, HTTP/1.0 framing, decoder
    /// errors answered 400/414/431, a connection cap): `Application(router:server:...)`.
    public static func continuum(limits: ServerLimits = ServerLimits()) -> HTTPServerBuilder {
        let connections = ConnectionCounter(limit: limits.maxConnections)
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, limits: limits, connections: connections)
        }
    }
}
