public import NIOCore
public import NIOHTTP1

/// An upstream's answer as soon as its head arrived; the body follows in ``body``.
public struct UpstreamResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    /// Read it to the end (or collect it) to give the connection back to the pool; dropping
    /// it before the upstream finished sending closes the connection instead.
    public let body: UpstreamBody
}

/// The body parts of an ``UpstreamResponse``, in order, as they arrive. One task reads it,
/// once. Reading slowly slows the upstream: past a bounded buffer the connection stops
/// reading from the socket.
///
/// A body that arrived together with its head (a typical small JSON answer) is held whole,
/// and its connection is already back in the pool.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public typealias Failure = any Error

    private enum Storage: Sendable {
        case complete(ByteBuffer?)
        case streaming(UpstreamBodyReader)
    }

    private let storage: Storage

    init(complete parts: [ByteBuffer]) {
        guard var whole = parts.first else {
            storage = .complete(nil)
            return
        }
        for part in parts.dropFirst() { whole.writeImmutableBuffer(part) }
        storage = .complete(whole.readableBytes > 0 ? whole : nil)
    }

    init(stream: UpstreamBodyStream) {
        storage = .streaming(UpstreamBodyReader(stream))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate var complete: ByteBuffer?
        fileprivate let reader: UpstreamBodyReader?

        /// The next part, nil at the end. Throws ``UpstreamClientError/readTimeout(_:)``,
        /// ``UpstreamClientError/closedMidBody`` and the like when the body breaks off, and
        /// `CancellationError` when the reading task is cancelled (which closes the connection).
        public mutating func next() async throws -> ByteBuffer? {
            if let reader { return try await reader.stream.next() }
            defer { complete = nil }
            return complete
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch storage {
        case .complete(let buffer): AsyncIterator(complete: buffer, reader: nil)
        case .streaming(let reader): AsyncIterator(complete: nil, reader: reader)
        }
    }

    /// The whole body in one buffer. Over `maxBytes` it throws
    /// ``UpstreamClientError/bodyTooLarge(limit:)`` and, if the upstream is still sending,
    /// closes the connection.
    public func collect(upTo maxBytes: Int) async throws -> ByteBuffer {
        switch storage {
        case .complete(let buffer):
            guard let buffer else { return ByteBuffer() }
            guard buffer.readableBytes <= maxBytes else { throw UpstreamClientError.bodyTooLarge(limit: maxBytes) }
            return buffer
        case .streaming(let reader):
            var whole: ByteBuffer?
            while let part = try await reader.stream.next() {
                guard (whole?.readableBytes ?? 0) + part.readableBytes <= maxBytes else {
                    reader.stream.abandon()
                    throw UpstreamClientError.bodyTooLarge(limit: maxBytes)
                }
                if whole == nil { whole = part } else { whole!.writeImmutableBuffer(part) }
            }
            return whole ?? ByteBuffer()
        }
    }
}

/// Held by the body and its iterator: when both are gone before the end, the stream is
/// abandoned and its connection closed, so an upstream is never left sending to nobody.
final class UpstreamBodyReader: Sendable {
    let stream: UpstreamBodyStream

    init(_ stream: UpstreamBodyStream) {
        self.stream = stream
    }

    deinit {
        stream.abandon()
    }
}
