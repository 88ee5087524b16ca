import Foundation
import NIOCore

/// Tells ``ConnectionGuard`` (after the HTTP decoder) when bytes arrive, how many, and where
/// their first line feed is, which decoded parts cannot show: a head still arriving produces
/// no part, and a header overflow does not say whether the request line had ended. First in
/// the pipeline; passes the bytes on unchanged, each read preceded by a ``BytesArrived`` user
/// event.
final class ByteArrivalTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    struct BytesArrived {
        let count: Int
        /// Offset of the first line feed in these bytes.
        let lineFeedOffset: Int?
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let arrived = unwrapInboundIn(data).withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, let lf = memchr(base, 0x0A, bytes.count) else {
                return BytesArrived(count: bytes.count, lineFeedOffset: nil)
            }
            return BytesArrived(count: bytes.count, lineFeedOffset: UnsafeRawPointer(lf) - base)
        }
        context.fireUserInboundEventTriggered(arrived)
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ByteArrivalTap: Sendable {}
