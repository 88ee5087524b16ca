import Foundation
public import NIOCore
public import NIOHTTP1
public import NIOPosix

/// A small pooled HTTP/1.1 client for one upstream origin, on SwiftNIO directly.
///
/// It replaces AsyncHTTPClient on the relay's hot path, whose per-request machinery (a
/// deadline task per request, request-bag state machines, thread hops) cost more than the
/// gateway's own work. Here a request is one pool lease under a lock, one hop to the
/// connection's event loop to write, and one continuation resumed with the response head:
/// - keep-alive connections, idle ones reused last-in first-out; new ones opened on demand up
///   to `maxConnections`, then requests wait in a bounded FIFO queue. A caller that runs on
///   one of the group's event loops (NIO installed as the global executor) gets a connection
///   on that loop when one is idle, and opens new ones there: no thread hop at all;
/// - timeouts are the connection's own scheduled task on its event loop, re-armed lazily
///   (no task, timer or allocation per request in the steady state);
/// - the body streams with backpressure (``UpstreamBody``); a body that came with its head
///   is handed over whole.
///
/// A connection the upstream closed, or that broke, timed out or was abandoned mid-response,
/// is dropped and never reused. Cancelling the task that awaits ``execute(method:path:headers:body:firstByteTimeout:readTimeout:)``
/// closes its connection, so the upstream sees the cancellation.
///
/// Only `http`: `https` is refused with ``UpstreamClientError/unsupportedScheme(_:)``. TLS
/// would need NIOSSL, which the gateway does not declare as a dependency (it only comes in
/// through AsyncHTTPClient); cloud upstreams stay on AsyncHTTPClient until then.
///
/// Call ``shutdown()`` when done; dropping the client without it closes the idle
/// connections without waiting.
public final class UpstreamClient: Sendable {
    /// As given, e.g. `http://127.0.0.1:9100/v1`.
    public let baseURL: String
    private let origin: Origin
    private let connectTimeout: Duration
    private let pool: UpstreamConnectionPool

    /// - Parameters:
    ///   - baseURL: `http://host[:port][/path]`; request paths are appended to its path.
    ///   - maxConnections: connections open at once (more requests wait for one).
    ///   - maxWaiting: requests that may wait for a connection; more fail at once with
    ///     ``UpstreamClientError/tooManyWaiting(limit:)``, as an overloaded upstream should.
    ///   - connectTimeout: opening one connection.
    ///   - eventLoopGroup: where connections live; the shared NIO group by default.
    public init(baseURL: String, maxConnections: Int = 256, maxWaiting: Int = 4096, connectTimeout: Duration = .seconds(5),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(UpstreamClientError) {
        self.baseURL = baseURL
        origin = try Origin(baseURL)
        self.connectTimeout = connectTimeout
        pool = UpstreamConnectionPool(maxConnections: maxConnections, maxWaiting: maxWaiting, group: eventLoopGroup)
    }

    deinit {
        _ = pool.shutdown()
    }

    /// Sends one request and returns as soon as the response head has arrived.
    ///
    /// - Parameters:
    ///   - path: appended to the base URL's path, e.g. `/chat/completions`.
    ///   - headers: sent as given; `host`, `content-length` and `transfer-encoding` are the
    ///     client's own and are dropped from here.
    ///   - firstByteTimeout: from sending the request to the response head.
    ///   - readTimeout: the longest silence between body parts (not counted while the reader
    ///     is the slow one).
    /// - Throws: ``UpstreamClientError``, or `CancellationError` when the task is cancelled.
    public func execute(method: HTTPMethod, path: String, headers: [(String, String)] = [], body: ByteBuffer? = nil,
                        firstByteTimeout: Duration, readTimeout: Duration) async throws -> UpstreamResponse {
        let head = requestHead(method: method, path: path, headers: headers, body: body)
        // A connection found closed before anything was written to it is no failure of this
        // request: it goes on another one (a few times at most, against an upstream that
        // closes every connection at once).
        for _ in 0..<3 {
            let connection = try await lease()
            do {
                return try await connection.execute(
                    UpstreamExchange(head: head, body: body, firstByteTimeout: firstByteTimeout, readTimeout: readTimeout))
            } catch is UpstreamConnectionNotUsable {
                continue
            }
        }
        throw UpstreamClientError.closedBeforeHead
    }

    /// Fails the requests that wait for a connection, closes the idle connections and waits
    /// for them to close. Requests under way finish; their connections close after them.
    public func shutdown() async {
        try? await pool.shutdown()?.get()
    }

    private func lease() async throws -> UpstreamConnection {
        switch try await pool.lease() {
        case .connection(let connection): return connection
        case .create(let eventLoop): return try await connect(on: eventLoop)
        }
    }

    private func connect(on eventLoop: any EventLoop) async throws -> UpstreamConnection {
        let connection = UpstreamConnection(eventLoop: eventLoop, pool: pool)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
        do {
            if let address = origin.address {
                _ = try await bootstrap.connect(to: address).get()
            } else {
                _ = try await bootstrap.connect(host: origin.host, port: origin.port).get()
            }
            return connection
        } catch {
            pool.connectFailed()
            throw connectError(error)
        }
    }

    private func connectError(_ error: any Error) -> UpstreamClientError {
        let address = "\(origin.host):\(origin.port)"
        if case ChannelError.connectTimeout = error { return .connectTimeout(connectTimeout) }
        if let e = error as? IOError, e.errnoCode == ECONNREFUSED { return .connectionRefused(address) }
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return .connectionRefused(address)
            }
            if e.connectionErrors.contains(where: { if case ChannelError.connectTimeout = $0.error { true } else { false } }) {
                return .connectTimeout(connectTimeout)
            }
        }
        return .connectFailed("\(address): \(error)")
    }

    private func requestHead(method: HTTPMethod, path: String, headers: [(String, String)], body: ByteBuffer?) -> HTTPRequestHead {
        var h = HTTPHeaders()
        h.reserveCapacity(headers.count + 2)
        h.add(name: "host", value: origin.hostHeader)
        for (name, value) in headers where !Self.isClientOwned(name) {
            h.add(name: name, value: value)
        }
        if let body {
            h.add(name: "content-length", value: String(body.readableBytes))
        } else if method == .POST || method == .PUT || method == .PATCH {
            h.add(name: "content-length", value: "0")
        }
        let uri = path.hasPrefix("/") ? origin.path + path : origin.path + "/" + path
        return HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: h)
    }

    /// Framing and the origin are the client's to say: a caller's copy would contradict them.
    private static func isClientOwned(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: name.lowercased() == "host"
        case 14: name.lowercased() == "content-length"
        case 17: name.lowercased() == "transfer-encoding"
        default: false
        }
    }
}

/// Where an ``UpstreamClient`` connects, parsed once from its base URL.
private struct Origin: Sendable {
    let host: String
    let port: Int
    /// An IP literal's address: connecting to it needs no name lookup.
    let address: SocketAddress?
    /// The base URL's path without a trailing slash ("" for none).
    let path: String
    let hostHeader: String

    init(_ url: String) throws(UpstreamClientError) {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else { throw .invalidURL(url) }
        guard scheme == "http" else { throw .unsupportedScheme(scheme) }
        guard var host = c.host, !host.isEmpty, c.query == nil, c.fragment == nil, c.user == nil else { throw .invalidURL(url) }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        port = c.port ?? 80
        address = try? SocketAddress(ipAddress: host, port: port)
        var path = c.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.path = path
        let h = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == 80 ? h : "\(h):\(port)"
    }
}
