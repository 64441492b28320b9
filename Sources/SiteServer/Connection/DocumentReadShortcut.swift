import NIOCore

/// The first handler of a connection, ahead of NIO's HTTP decoder: answers plain document
/// reads (`GET /api/resource/{doctype}/{name}`) from the connection's bytes, and hands every
/// other request to the decoder untouched.
///
/// The busiest request a site serves needs little of HTTP: its answer is the stored JSON text
/// with `{"data": …}` around it. Through the decoder it also paid for the HTTP/1 parser, the
/// conversion to HTTP types, and half a dozen handlers each way, more than the read itself.
///
/// What is answered here, and how:
/// - only a head `PlainRequestHead` finds plain, whole in the bytes at hand (a head split
///   across reads is held until it is whole);
/// - only while every request handed to the decoder has had its reply written
///   (`ConnectionActivity.nothingRouted`), so replies keep request order on keep-alive
///   connections; pipelined requests behind a routed one go to the decoder too;
/// - only a success, exactly as `DirectDocumentReader` gives it (the key checked in constant
///   time, the same reply bytes, log line and metrics as the router's). Bad or missing
///   credentials, an unknown document or DocType, anything else goes to the decoder and on
///   to the router, which answers it as it always has.
/// The bytes are split into requests here only as far as `PlainRequestHead` can frame them
/// beyond doubt (`Content-Length` or no body). At the first head it cannot, this handler
/// hands the rest of the connection to the decoder and answers nothing more on it.
final class DocumentReadShortcut: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Position: Equatable {
        /// At the start of a request.
        case atRequest
        /// Inside the body of a request handed to the decoder, with this many bytes to come.
        case inBody(Int)
        /// Everything goes to the decoder from here on.
        case decoderOnly
    }

    let reader: DirectDocumentReader
    let activity: ConnectionActivity
    private var position = Position.atRequest
    /// The beginning of a head whose end has not arrived yet.
    private var partial: ByteBuffer?
    /// Replies made here and not yet written.
    private var replies: ByteBuffer?
    /// Something was written here since the last flush.
    private var unflushed = false
    /// Something was handed to the decoder in this read cycle.
    private var handedOnInCycle = false

    init(reader: DirectDocumentReader, activity: ConnectionActivity) {
        self.reader = reader
        self.activity = activity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var partial {
            self.partial = nil
            partial.writeBuffer(&bytes)
            bytes = partial
        }
        while bytes.readableBytes > 0 {
            if activity.failed { position = .decoderOnly }
            switch position {
            case .decoderOnly:
                handOn(bytes, context: context)
                return
            case .inBody(let remaining):
                let count = min(remaining, bytes.readableBytes)
                handOn(bytes.readSlice(length: count)!, context: context)
                position = count == remaining ? .atRequest : .inBody(remaining - count)
            case .atRequest:
                switch bytes.withUnsafeReadableBytes({ PlainRequestHead.scan($0) }) {
                case .incomplete:
                    partial = bytes
                    writeReplies(context: context)
                    return
                case .unusual:
                    position = .decoderOnly
                case .head(let head):
                    if let read = head.documentRead, activity.nothingRouted, answer(read, in: bytes, context: context) {
                        bytes.moveReaderIndex(forwardBy: head.length)
                    } else {
                        // The head with as much of its body as is here, in one piece.
                        activity.handedOn += 1
                        let count = min(head.length + head.bodyLength, bytes.readableBytes)
                        handOn(bytes.readSlice(length: count)!, context: context)
                        if count < head.length + head.bodyLength { position = .inBody(head.length + head.bodyLength - count) }
                    }
                }
            }
        }
        writeReplies(context: context)
    }

    /// Makes the reply to a plain document read and queues it; false when the router should
    /// answer the request.
    private func answer(_ request: PlainRequestHead.DocumentRead, in bytes: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let start = ContinuousClock.now
        let base = bytes.readerIndex
        guard let target = bytes.getString(at: base + request.target.lowerBound, length: request.target.count),
              let authorization = bytes.getString(at: base + request.authorization.lowerBound, length: request.authorization.count),
              let read = reader.read(target: Substring(target), authorization: authorization, start: start)
        else { return false }
        var out = replies ?? ByteBuffer()
        replies = nil
        out.reserveCapacity(minimumWritableBytes: read.bodyLength + 160)
        reader.headers.writeOKHead(contentLength: read.bodyLength, to: &out)
        read.writeBody(to: &out)
        replies = out
        reader.record(read)
        activity.lastActive = context.eventLoop.now
        return true
    }

    /// Writes the replies made so far (before anything is handed on, so they stay in order).
    private func writeReplies(context: ChannelHandlerContext) {
        guard let replies else { return }
        self.replies = nil
        context.write(wrapOutboundOut(replies), promise: nil)
        unflushed = true
    }

    private func handOn(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        writeReplies(context: context)
        handedOnInCycle = true
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        writeReplies(context: context)
        if unflushed {
            unflushed = false
            context.flush()
        }
        // A cycle answered wholly here has nothing for the handlers behind.
        if handedOnInCycle {
            handedOnInCycle = false
            context.fireChannelReadComplete()
        }
    }

    /// A head left unfinished goes to the decoder before the end of input is passed on, as it
    /// would have without this handler.
    private func handOnPartial(context: ChannelHandlerContext) {
        guard let partial else { return }
        self.partial = nil
        position = .decoderOnly
        handOn(partial, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { handOnPartial(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handOnPartial(context: context)
        context.fireChannelInactive()
    }
}
