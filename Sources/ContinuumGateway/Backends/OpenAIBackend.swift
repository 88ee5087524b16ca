public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An OpenAI-compatible server elsewhere (another `continuum serve`, llama-server, vLLM, a
/// cloud API), reached over HTTP(S) with one connection pool per backend: plain HTTP through
/// the gateway's own pooled NIO client (no per-request deadline tasks or state machines: it
/// cut the proxy path's cost several times, docs/BENCHMARKS.md), HTTPS through AsyncHTTPClient.
public struct OpenAIBackend: Sendable {
    public let name: String
    public let tier: Tier
    /// Base URL up to and including the API version, e.g. `http://10.0.0.7:8080/v1`.
    public let baseURL: String
    /// The model name the upstream knows; nil sends the served name unchanged.
    public let upstreamModel: String?
    public let timeouts: Timeouts
    public let breaker: CircuitBreaker
    /// OpenAI's API, or Anthropic's Messages API (passed through).
    public let api: UpstreamAPI
    /// The authentication header: `authorization: Bearer KEY`, or `x-api-key: KEY` for Anthropic.
    let authorization: (name: String, value: String)?
    /// AsyncHTTPClient: HTTPS upstreams, and the KV-event subscriptions.
    let client: HTTPClient
    /// The pooled client for plain-HTTP upstreams (nil for HTTPS).
    let pooled: UpstreamClient?

    public struct Timeouts: Sendable {
        /// Opening a connection.
        public var connect: Duration
        /// From sending the request to the response head (for a non-streaming request: the whole answer).
        public var firstByte: Duration
        /// Longest silence while the body streams.
        public var read: Duration

        public init(connect: Duration = .seconds(5), firstByte: Duration = .seconds(600), read: Duration = .seconds(120)) {
            self.connect = connect
            self.firstByte = firstByte
            self.read = read
        }
    }

    /// - Parameters:
    ///   - apiKey: sent as `Authorization: Bearer`; nil sends none.
    ///   - maxConnections: connections kept open to the upstream (more requests queue for one).
    public init(name: String, tier: Tier, baseURL: String, apiKey: String?, upstreamModel: String? = nil,
                timeouts: Timeouts = Timeouts(), maxConnections: Int = 256, breaker: CircuitBreaker = CircuitBreaker(),
                api: UpstreamAPI = .openAI) {
        self.api = api
        self.name = name
        self.tier = tier
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.upstreamModel = upstreamModel
        self.timeouts = timeouts
        self.breaker = breaker
        authorization = apiKey.map { api == .anthropic ? ("x-api-key", $0) : ("authorization", "Bearer \($0)") }
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .init(timeouts.connect), read: .init(timeouts.read)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        pooled = self.baseURL.lowercased().hasPrefix("http://")
            ? try? UpstreamClient(baseURL: self.baseURL, maxConnections: maxConnections, connectTimeout: timeouts.connect)
            : nil
    }

    /// POSTs a JSON body to `path` (e.g. `/chat/completions`) and returns once the response
    /// head has arrived; the body is the caller's to stream or collect.
    func post(_ path: String, body: ByteBuffer, stream: Bool) async throws -> UpstreamAnswer {
        let accept = stream ? "text/event-stream" : "application/json"
        if let pooled {
            var headers = [("content-type", "application/json"), ("accept", accept)]
            if let authorization { headers.append(authorization) }
            if api == .anthropic { headers.append(("anthropic-version", UpstreamAPI.anthropicVersion)) }
            let r = try await pooled.execute(method: .POST, path: path, headers: headers, body: body,
                                             firstByteTimeout: timeouts.firstByte, readTimeout: timeouts.read)
            return UpstreamAnswer(status: r.status, retryAfter: r.headers.first(name: "retry-after"), body: .pooled(r.body))
        }
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: accept)
        if let authorization { request.headers.add(name: authorization.name, value: authorization.value) }
        if api == .anthropic { request.headers.add(name: "anthropic-version", value: UpstreamAPI.anthropicVersion) }
        request.body = .bytes(body)
        let r = try await client.execute(request, timeout: .init(timeouts.firstByte))
        return UpstreamAnswer(status: Int(r.status.code), retryAfter: r.headers.first(name: "retry-after"), body: .client(r.body))
    }

    /// GET `/models` within `timeout`: true when the upstream answers 2xx.
    func probe(timeout: Duration) async -> Bool {
        var request = HTTPClientRequest(url: baseURL + "/models")
        if let authorization { request.headers.add(name: authorization.name, value: authorization.value) }
        if api == .anthropic { request.headers.add(name: "anthropic-version", value: UpstreamAPI.anthropicVersion) }
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return (200..<300).contains(response.status.code)
        } catch {
            return false
        }
    }

    public func shutdown() async {
        await pooled?.shutdown()
        try? await client.shutdown()
    }
}

extension TimeAmount {
    init(_ d: Duration) {
        let (s, a) = d.components
        self = .nanoseconds(s * 1_000_000_000 + a / 1_000_000_000)
    }
}
