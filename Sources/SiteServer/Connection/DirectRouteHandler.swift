import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Sits between the connection's HTTP codec and the router's request stream and answers the
/// two busiest requests itself: document reads on the event loop (`DirectDocumentReader`)
/// and JSON inserts, whose write runs in a task of its own (`DirectDocumentInsert`). Every
/// other request, and every one of these that is not plainly a success to attempt, passes
/// on to the router unchanged.
///
/// Replies stay in request order on a keep-alive connection:
/// - a request is taken here only while no request handed to the router is still waiting
///   for its reply (counted by the replies' ends written back through this handler);
/// - while an insert taken here runs, what the client sends next is held (and reading
///   paused) until its reply is written.
/// A request taken here must arrive whole in one read; one still arriving when the read ends
/// goes to the router, whose body deadline then applies (`BodyArrivalTimeoutHandler`).
final class DirectRouteHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let reader: DirectDocumentReader?
    let inserter: DirectDocumentInsert?
    /// Requests handed to the router whose reply has not been written in full.
    private var routed = 0
    /// A request that may be answered here, held until its end arrives: its head and body.
    private var held: (head: HTTPRequest, body: ByteBuffer)?
    /// An insert taken here is running; inbound parts wait in `waiting`.
    private var inserting = false
    private var waiting: [HTTPRequestPart] = []
    /// The channel asked to read while an insert ran.
    private var readDeferred = false
    /// A reply was written here and waits for the flush at the end of this read.
    private var unflushed = false
    /// A reply asked to close the connection has been written here.
    private var closing = false
    /// The connection has closed: an insert finishing now has no one to answer.
    private var inactive = false

    init(reader: DirectDocumentReader?, inserter: DirectDocumentInsert?) {
        self.reader = reader
        self.inserter = inserter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if inserting {
            waiting.append(part)
        } else {
            take(part, context: context)
        }
    }

    private func take(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        // After a reply that closes the connection, whatever else the client sent is dropped.
        guard !closing else { return }
        switch part {
        case .head(let head):
            if routed == 0, (reader != nil && DirectDocumentReader.mayAnswer(head)) || inserter?.mayAnswer(head) == true {
                held = (head, ByteBuffer())
                return
            }
            route(head, context: context)
        case .body(var bytes):
            if held != nil {
                held!.body.writeBuffer(&bytes)
            } else {
                context.fireChannelRead(wrapInboundOut(part))
            }
        case .end:
            if let (head, body) = held {
                held = nil
                if answer(head, body: body, context: context) { return }
                route(head, context: context)
                if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
            }
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// Answers a whole request here; false when the router should.
    private func answer(_ head: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        if head.method == .get, let reader {
            guard let reply = reader.answer(head) else { return false }
            write(reply, closing: DirectDocumentReader.asksToClose(head), context: context)
            return true
        }
        guard let inserter, let work = inserter.prepare(head, body: body) else { return false }
        inserting = true
        let done = context.eventLoop.makePromise(of: (head: HTTPResponse, body: ByteBuffer).self)
        done.completeWithTask { await inserter.perform(work) }
        done.futureResult.assumeIsolated().whenSuccess { reply in
            self.inserting = false
            // The insert stands (logged and counted); the client that asked has gone.
            guard !self.inactive else { return }
            self.write(reply, closing: DirectDocumentReader.asksToClose(head), context: context)
            self.resume(context: context)
        }
        return true
    }

    /// Takes the parts that arrived while an insert ran, then reads on.
    private func resume(context: ChannelHandlerContext) {
        while !inserting, !waiting.isEmpty {
            take(waiting.removeFirst(), context: context)
        }
        if !inserting, held != nil { releaseHeld(context: context) }
        context.fireChannelReadComplete()
        flushIfNeeded(context: context)
        if !inserting, readDeferred {
            readDeferred = false
            context.read()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A request still arriving goes to the router (and so under the body deadline).
        if !inserting, held != nil { releaseHeld(context: context) }
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        waiting.removeAll()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if inserting {
            readDeferred = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), routed > 0 { routed -= 1 }
        context.write(data, promise: promise)
    }

    private func write(_ reply: (head: HTTPResponse, body: ByteBuffer), closing close: Bool, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(reply.head)), promise: nil)
        context.write(wrapOutboundOut(.body(reply.body)), promise: nil)
        guard close else {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
            return
        }
        // As the router does for `Connection: close`: close once the reply is sent (the
        // router's request stream then ends).
        closing = true
        let sent = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: sent)
        sent.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
    }

    /// Hands a request's head to the router.
    private func route(_ head: HTTPRequest, context: ChannelHandlerContext) {
        routed += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// A held request that has not arrived whole: the router takes it, with what came of it.
    private func releaseHeld(context: ChannelHandlerContext) {
        guard let (head, body) = held else { return }
        held = nil
        route(head, context: context)
        if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }
}
