import ContinuumEngine
import ContinuumOpenAI
import Foundation
import Hummingbird
import ServiceLifecycle

/// `GET /v1/kv-events`: an SSE stream of the KV blocks the engine stores and evicts, after a
/// first `config` event naming the block size and hash scheme, so a gateway can compute the
/// same hashes from its own tokenization and route requests to the replica that holds them.
struct KVEventsHandler {
    let engine: BatchEngine

    struct Config: Encodable { let block_size: Int; let hash_scheme: String }
    struct Event: Encodable { let type: String; let hash: String; let parent: String? }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let events = engine.kvEvents()
        let config = Config(block_size: engine.blockSize, hash_scheme: KVBlockHash.scheme)
        return Response(status: .ok, headers: headers, body: .init { writer in
            // The stream has no natural end: on graceful shutdown it ends, so the server can drain.
            let (ending, end) = AsyncStream<KVEvent>.makeStream(bufferingPolicy: .bufferingNewest(4096))
            let forward = Task {
                for await e in events { end.yield(e) }
                end.finish()
            }
            await withGracefulShutdownHandler {
                await Self.relay(ending, config: config, to: &writer)
            } onGracefulShutdown: {
                end.finish()
            }
            forward.cancel()
            try? await writer.finish(nil)
        })
    }

    private static func relay(_ events: AsyncStream<KVEvent>, config: Config, to writer: inout some ResponseBodyWriter) async {
            do {
                try await writer.write(ByteBuffer(bytes: SSEEncoder.encode(
                    ServerSentEvent(event: "config", data: String(decoding: try OpenAIJSON.encode(config), as: UTF8.self)))))
                for await e in events {
                    let body: Event
                    switch e {
                    case .stored(let h, let p): body = Event(type: "stored", hash: hex(h), parent: hex(p))
                    case .evicted(let h): body = Event(type: "evicted", hash: hex(h), parent: nil)
                    }
                    try await writer.write(ByteBuffer(bytes: SSEEncoder.encode(
                        ServerSentEvent(event: body.type, data: String(decoding: try OpenAIJSON.encode(body), as: UTF8.self)))))
                }
            } catch {
                // The subscriber went away; dropping `events` unsubscribes.
            }
    }

    private static func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}
