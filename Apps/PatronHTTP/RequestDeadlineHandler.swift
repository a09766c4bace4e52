import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request does not arrive whole within a time limit of its head.
///
/// A client that trickles a body a byte at a time (slowloris) would otherwise hold its
/// connection, and a handler waiting on the body, for as long as it likes: every part it sends
/// counts as activity for Hummingbird's idle timeout. The idle timeout still covers a trickled
/// head (no part arrives until the head is whole, so the connection counts as idle). Placed after
/// the HTTP decoder; one instance per connection.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let limit: TimeAmount
    let logger: Logger
    private var deadline: Scheduled<Void>?

    init(limit: TimeAmount, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            deadline?.cancel()
            let limit = limit
            let logger = logger
            let path = head.path ?? ""
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) {
                logger.notice(
                    "closing a connection whose request did not arrive in time",
                    metadata: [
                        "path": "\(path)", "limit_s": "\(limit.nanoseconds / 1_000_000_000)",
                        "peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")",
                    ])
                context.close(promise: nil)
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
