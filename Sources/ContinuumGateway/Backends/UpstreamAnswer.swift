import AsyncHTTPClient
import NIOCore

/// An upstream's answer once its head has arrived, whichever client fetched it.
struct UpstreamAnswer: Sendable {
    let status: Int
    let retryAfter: String?
    let body: Body

    enum Body: Sendable {
        case pooled(UpstreamBody)
        case client(HTTPClientResponse.Body)
    }

    /// The whole body, at most `maxBytes`.
    func collect(upTo maxBytes: Int) async throws -> ByteBuffer {
        switch body {
        case .pooled(let b): try await b.collect(upTo: maxBytes)
        case .client(let b): try await b.collect(upTo: maxBytes)
        }
    }

    /// Calls `each` with every part of the body as it arrives; stops early when it returns false.
    func forEachPart(_ each: (ByteBuffer) async throws -> Bool) async throws {
        switch body {
        case .pooled(let b):
            for try await part in b { guard try await each(part) else { return } }
        case .client(let b):
            for try await part in b { guard try await each(part) else { return } }
        }
    }
}
