import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 (port 0) whose routes misbehave on purpose, for the
/// UpstreamClient tests. It counts connections so a test can see reuse and closes.
///
/// - `/v1/ok`: 200 "hello"; `/v1/echo`: the request body back
/// - `/v1/slow?ms=N`: 200 "slow" after N ms (counts requests in flight)
/// - `/v1/chunks?n=N&gap=MS`: chunked, N parts `part-i\n`, MS apart
/// - `/v1/stall`: chunked head and one part `first`, then silence
/// - `/v1/closemid`: content-length 1000, 10 bytes, close
/// - `/v1/bye`: 200 "bye" with `connection: close`, then close
/// - `/v1/closehead`: close without answering
/// - `/v1/big?bytes=N`: chunked, N bytes in 64 KiB parts, each written once the last one is
///   in the socket (so `bytesWritten` shows how far a paused reader lets it get)
final class UpstreamTestServer: Sendable {
    struct Counters: Sendable {
        var accepted = 0
        var closed = 0
        var inFlight = 0
        var maxInFlight = 0
        var bytesWritten = 0
    }

    let counters: NIOLockedValueBox<Counters>
    private let channel: any Channel
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private init(counters: NIOLockedValueBox<Counters>, channel: any Channel) {
        self.counters = counters
        self.channel = channel
        port = channel.localAddress!.port!
    }

    static func start() async throws -> UpstreamTestServer {
        let counters = NIOLockedValueBox(Counters())
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                counters.withLockedValue { $0.accepted += 1 }
                channel.closeFuture.whenComplete { _ in counters.withLockedValue { $0.closed += 1 } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(counters: counters))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return UpstreamTestServer(counters: counters, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    var snapshot: Counters { counters.withLockedValue { $0 } }

    /// Polls `condition` for up to `seconds`. It returns as soon as the condition holds; the
    /// long bound only matters on a machine so loaded (suites run in parallel with the engine
    /// tests) that 3 s was once missed in CI.
    func eventually(_ seconds: Double = 20, _ condition: (Counters) -> Bool) async -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if condition(snapshot) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(snapshot)
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    /// `@unchecked Sendable`: used only on its channel's event loop (scheduled tasks included).
    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let counters: NIOLockedValueBox<Counters>
        var context: ChannelHandlerContext!
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(counters: NIOLockedValueBox<Counters>) {
            self.counters = counters
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body.clear()
            case .body(var b):
                body.writeBuffer(&b)
            case .end:
                guard let head else { return }
                route(head)
            }
        }

        private func route(_ head: HTTPRequestHead) {
            let parts = head.uri.split(separator: "?", maxSplits: 1)
            let path = String(parts[0])
            var query: [String: Int] = [:]
            if parts.count > 1 {
                for pair in parts[1].split(separator: "&") {
                    let kv = pair.split(separator: "=")
                    if kv.count == 2 { query[String(kv[0])] = Int(kv[1]) }
                }
            }
            let loop = context.eventLoop
            switch path {
            case "/v1/ok":
                respond(ByteBuffer(string: "hello"))
            case "/v1/echo":
                respond(body)
            case "/v1/slow":
                counters.withLockedValue { c in
                    c.inFlight += 1
                    c.maxInFlight = max(c.maxInFlight, c.inFlight)
                }
                loop.scheduleTask(in: .milliseconds(Int64(query["ms"] ?? 100))) {
                    self.counters.withLockedValue { $0.inFlight -= 1 }
                    self.respond(ByteBuffer(string: "slow"))
                }
            case "/v1/chunks":
                startChunked()
                sendPart(0, of: query["n"] ?? 3, gap: Int64(query["gap"] ?? 50))
            case "/v1/stall":
                startChunked()
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "first")))), promise: nil)
            case "/v1/closemid":
                var h = HTTPHeaders()
                h.add(name: "content-length", value: "1000")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "0123456789")))), promise: nil)
                loop.scheduleTask(in: .milliseconds(20)) { self.context.close(promise: nil) }
            case "/v1/bye":
                var h = HTTPHeaders()
                h.add(name: "content-length", value: "3")
                h.add(name: "connection", value: "close")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "bye")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in self.context.close(promise: nil) }
            case "/v1/closehead":
                context.close(promise: nil)
            case "/v1/big":
                startChunked()
                sendBig(remaining: query["bytes"] ?? (1 << 20))
            default:
                var h = HTTPHeaders()
                h.add(name: "content-length", value: "0")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .notFound, headers: h))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        private func respond(_ body: ByteBuffer) {
            var h = HTTPHeaders()
            h.add(name: "content-length", value: String(body.readableBytes))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        private func startChunked() {
            var h = HTTPHeaders()
            h.add(name: "transfer-encoding", value: "chunked")
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
        }

        private func sendPart(_ i: Int, of n: Int, gap: Int64) {
            guard i < n else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "part-\(i)\n")))), promise: nil)
            context.eventLoop.scheduleTask(in: .milliseconds(gap)) { self.sendPart(i + 1, of: n, gap: gap) }
        }

        private func sendBig(remaining: Int) {
            guard remaining > 0 else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            let n = min(remaining, 64 * 1024)
            let part = ByteBuffer(repeating: UInt8(ascii: "x"), count: n)
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part))), promise: promise)
            promise.futureResult.whenSuccess {
                self.counters.withLockedValue { $0.bytesWritten += n }
                self.sendBig(remaining: remaining - n)
            }
        }
    }
}
