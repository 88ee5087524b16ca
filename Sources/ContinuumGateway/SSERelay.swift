import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes

/// Streams engine updates to a client as server-sent events, the same way for chat and
/// text completions: `head` frames first, one frame per token (`frame` may skip a token by
/// returning nil), then `tail(result)` and `[DONE]`. Records inter-token gaps and the ledger
/// row. A failure after the headers went out becomes an OpenAI error event; a failed write
/// means the client left, and leaving the loop drops `updates`, which cancels the generation
/// and frees its KV blocks within one engine step. A stream that ends early is billed for
/// what was computed: the prompt and every token generated so far.
struct SSERelay: Sendable {
    let updates: AsyncThrowingStream<GenerationUpdate, any Error>
    let log: RequestLog
    let headers: HTTPFields
    /// The prompt's tokens, billed even when the stream ends before the engine's result.
    let promptTokens: Int
    let head: [Data]
    let frame: @Sendable (GenerationEvent) throws -> Data?
    let tail: @Sendable (GenerationResult) throws -> [Data]

    func response() -> Response {
        var headers = self.headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let relay = self
        return Response(status: .ok, headers: headers, body: .init { writer in
            let log = relay.log
            var result: GenerationResult?
            var generated = 0
            var partial: TokenCounts {
                TokenCounts(prompt: relay.promptTokens, completion: generated, cached: 0, estimated: true)
            }
            var first: ContinuousClock.Instant?
            var last: ContinuousClock.Instant?
            do {
                for data in relay.head { try await writer.write(ByteBuffer(bytes: data)) }
                for try await u in relay.updates {
                    switch u {
                    case .token(let t):
                        generated += 1
                        let now = ContinuousClock.now
                        if let last { log.tokenGap(now - last) }
                        last = now
                        if first == nil { first = now; log.firstToken() }
                        if let data = try relay.frame(t) { try await writer.write(ByteBuffer(bytes: data)) }
                    case .finished(let r):
                        result = r
                    }
                }
                guard let r = result else { throw OpenAIError.serverError("generation ended without a result") }
                for data in try relay.tail(r) { try await writer.write(ByteBuffer(bytes: data)) }
                try await writer.write(ByteBuffer(bytes: SSEEncoder.done))
                try await writer.finish(nil)
                log.finish(r, status: .ok, httpStatus: 200, firstToken: first)
            } catch let e as OpenAIError {
                try? await writer.write(ByteBuffer(bytes: SSEEncoder.error(e)))
                try? await writer.finish(nil)
                log.finish(counts: result.map(TokenCounts.init) ?? partial, status: .error, httpStatus: 200, error: e.message, firstToken: first)
            } catch {
                log.finish(counts: result.map(TokenCounts.init) ?? partial, status: .disconnected, httpStatus: 200,
                           error: "client disconnected", firstToken: first)
            }
        })
    }
}
