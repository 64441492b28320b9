import NIOCore
import NIOHTTPTypes

/// What `DocumentReadShortcut` (ahead of the HTTP decoder) and `RoutedRequestTracker`
/// (behind it) know together about one connection. Both run on the connection's event loop,
/// the only place this is touched.
final class ConnectionActivity {
    /// Requests the shortcut handed to the decoder.
    var handedOn = 0
    /// Replies to those whose end has been written.
    var replied = 0
    /// The decoder or a handler behind it raised an error or closed the connection: it ends
    /// the ordinary way, and the shortcut answers nothing more.
    var failed = false
    /// When a request or reply last went by (idle timeout).
    var lastActive = NIODeadline.uptimeNanoseconds(0)

    /// Whether a request may be answered ahead of the decoder now: every request handed on has
    /// its reply written, so a reply written now is in request order.
    var nothingRouted: Bool { handedOn == replied && !failed }
}

/// Sits just behind the HTTP codec when `DocumentReadShortcut` is in front of it: counts the
/// replies written for the requests the shortcut handed on, notes errors, and keeps the
/// connection's idle timeout.
///
/// The idle timeout is kept here rather than by Hummingbird's `HTTPConnectionStateHandler`
/// (which then has none), because requests answered by the shortcut never reach that
/// handler: it would close a connection busy with nothing but document reads. The rule is
/// Hummingbird's: a connection with no request or reply for `idleTimeout` is closed, unless
/// a request has been read whole and its reply is still being made.
final class RoutedRequestTracker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let activity: ConnectionActivity
    let idleTimeout: TimeAmount
    /// Requests whose head has been read and whose reply has not ended.
    private var inProgress = 0
    /// A request's head has been read, its end not yet.
    private var reading = false
    private var timer: Scheduled<Void>?

    init(activity: ConnectionActivity, idleTimeout: TimeAmount) {
        self.activity = activity
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity.lastActive = context.eventLoop.now
        switch unwrapInboundIn(data) {
        case .head:
            inProgress += 1
            reading = true
        case .body:
            break
        case .end:
            reading = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            activity.replied += 1
            inProgress = max(0, inProgress - 1)
            if inProgress == 0 { activity.lastActive = context.eventLoop.now }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        activity.failed = true
        context.fireErrorCaught(error)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // The router is closing (after a reply that ends the connection): nothing more is
        // answered ahead of it.
        activity.failed = true
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        activity.lastActive = context.eventLoop.now
        schedule(at: activity.lastActive + idleTimeout, context: context)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            if !reading, inProgress > 0 {
                // A reply is being made: look again a whole timeout later.
                schedule(at: context.eventLoop.now + idleTimeout, context: context)
            } else if context.eventLoop.now >= activity.lastActive + idleTimeout {
                context.close(promise: nil)
            } else {
                schedule(at: activity.lastActive + idleTimeout, context: context)
            }
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
