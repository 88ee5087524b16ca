import AsyncHTTPClient
import ContinuumEngine
import ContinuumOpenAI
import ContinuumRouting
import Foundation
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Feeds each replica group's policy with its replicas' KV events: a local engine's events
/// directly, a remote Continuum node's from `GET {base_url}/kv-events` (SSE). A remote stream
/// that fails or ends is reported as `.removed` (the policy forgets what that replica held
/// and falls back to assuming) and retried with backoff (1 s doubling to 30 s); a replica
/// whose block size or hash scheme differs from the gateway's is never trusted.
struct KVEventSubscriptions: Service {
    struct Subscription: Sendable {
        let group: ReplicaGroup
        let index: Int
        let backend: Backend
    }

    let subscriptions: [Subscription]

    init(groups: [ReplicaGroup]) {
        subscriptions = groups.filter { $0.hasher != nil && $0.backends.count > 1 }.flatMap { g in
            g.backends.indices.map { Subscription(group: g, index: $0, backend: g.backends[$0]) }
        }
    }

    func run() async throws {
        guard !subscriptions.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        // No read timeout: an event stream may stay quiet for a long time.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                configuration: .init(timeout: .init(connect: .seconds(5), read: nil)))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { tasks in
                for s in subscriptions {
                    tasks.addTask { await follow(s, client: client) }
                }
            }
        }
        try? await client.shutdown()
    }

    private func follow(_ s: Subscription, client: HTTPClient) async {
        switch s.backend {
        case .local(let local):
            s.group.observe(.subscribed(replica: s.index))
            for await e in local.engine.kvEvents() {
                switch e {
                case .stored(let h, _): s.group.observe(.stored(replica: s.index, hashes: [h]))
                case .evicted(let h): s.group.observe(.evicted(replica: s.index, hashes: [h]))
                }
            }
        case .openai(let remote):
            var backoff = Duration.seconds(1)
            while !Task.isCancelled {
                let healthy = await stream(remote, into: s, client: client)
                s.group.observe(.removed(replica: s.index))
                if healthy { backoff = .seconds(1) }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(30))
            }
        }
    }

    /// Follows one connection until it ends; returns whether it got as far as a valid config.
    private func stream(_ remote: OpenAIBackend, into s: Subscription, client: HTTPClient) async -> Bool {
        var request = HTTPClientRequest(url: remote.baseURL + "/kv-events")
        request.headers.add(name: "accept", value: "text/event-stream")
        // A keyed node serves its KV events to admin keys only: the backend's key needs that scope.
        if let authorization = remote.authorization { request.headers.add(name: authorization.name, value: authorization.value) }
        guard let response = try? await client.execute(request, timeout: .seconds(10)),
              response.status.code == 200 else { return false }
        var parser = SSEParser()
        let decoder = JSONDecoder()
        var trusted = false
        do {
            for try await chunk in response.body {
                for e in try parser.feed(chunk.readableBytesView) {
                    switch e.event {
                    case "config":
                        guard let c = try? decoder.decode(Config.self, from: Data(e.data.utf8)),
                              c.block_size == s.group.hasher?.blockSize, c.hash_scheme == KVBlockHash.scheme else { return false }
                        trusted = true
                        s.group.observe(.subscribed(replica: s.index))
                    case "stored", "evicted":
                        guard trusted, let b = try? decoder.decode(Event.self, from: Data(e.data.utf8)),
                              let h = UInt64(b.hash, radix: 16) else { continue }
                        s.group.observe(e.event == "stored" ? .stored(replica: s.index, hashes: [h]) : .evicted(replica: s.index, hashes: [h]))
                    default:
                        continue
                    }
                }
            }
        } catch {
            return trusted
        }
        return trusted
    }

    private struct Config: Decodable { let block_size: Int; let hash_scheme: String }
    private struct Event: Decodable { let hash: String }
}
