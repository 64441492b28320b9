import NIOCore
import NIOHTTPTypes

/// Gives a request's body a deadline: if its end has not arrived `timeout` after its head,
/// `BodyArrivalTimeout` is raised on the connection, so the route reading the body fails with
/// it (408, nothing done; `RequestInput.collectBody`) and the connection then closes.
///
/// A timer is scheduled only when a read leaves a request unfinished, so the usual request,
/// whose head and body arrive in one read, costs no timer at all. (The timeout was a task
/// group racing a sleep against the body in every request with a body: two child tasks and a
/// cancellation each.)
final class BodyArrivalTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: TimeAmount
    /// When the head of the request whose end has not arrived yet came in.
    private var unfinishedSince: NIODeadline?
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unfinishedSince = .now()
        case .body:
            break
        case .end:
            unfinishedSince = nil
            cancelTimer()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let unfinishedSince, timer == nil {
            let loop = context.eventLoop.assumeIsolated()
            timer = loop.scheduleTask(deadline: unfinishedSince + timeout) { [self] in
                timer = nil
                guard self.unfinishedSince != nil else { return }
                self.unfinishedSince = nil
                context.fireErrorCaught(BodyArrivalTimeout())
            }
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

/// A request body that did not arrive in time (see `BodyArrivalTimeoutHandler`).
struct BodyArrivalTimeout: Error {}
