import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The server's HTTP/1.1 connections: Hummingbird's own pipeline (`HTTP1Channel`: NIO's
/// codec, HTTP types, the idle and graceful-close state) with two handlers of ours between
/// the connection state and the router's request stream:
/// - `BodyArrivalTimeoutHandler`, the request body's deadline (408);
/// - `DirectRouteHandler`, document reads and inserts answered without the router, when
///   the backend can check keys (and read) without suspending.
///
/// They sit after `HTTPConnectionStateHandler` so that it sees every request and reply,
/// those answered directly included: idle time and graceful shutdown count them as usual.
///
/// With direct reads, `DocumentReadShortcut` comes first of all, ahead of NIO's decoder, and
/// `RoutedRequestTracker` right behind the codec (see both).
struct SiteHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let idleTimeout: Duration
    let bodyArrivalTimeout: Duration
    let directReads: DirectDocumentReader?
    let directInserts: DirectDocumentInsert?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Hummingbird's limits: 80 KB of headers, at most 1,000 of them.
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldCount = 1_000
            let pipeline = channel.pipeline.syncOperations
            // Plain document reads are answered from the bytes, ahead of the decoder; the idle
            // timeout then moves behind the codec, where those answers are seen too.
            let activity = directReads.map { _ in ConnectionActivity() }
            if let directReads, let activity {
                try pipeline.addHandler(DocumentReadShortcut(reader: directReads, activity: activity))
            }
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // NIOAsyncChannel serialises requests
                withErrorHandling: false,  // Hummingbird answers parse errors
                withOutboundHeaderValidation: false,  // HTTP types validate them
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            if let activity {
                try pipeline.addHandler(RoutedRequestTracker(activity: activity, idleTimeout: .nanoseconds(Self.nanoseconds(idleTimeout))))
                try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            } else {
                try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
            }
            try pipeline.addHandler(BodyArrivalTimeoutHandler(timeout: .nanoseconds(Self.nanoseconds(bodyArrivalTimeout))))
            if directReads != nil || directInserts != nil {
                try pipeline.addHandler(DirectRouteHandler(reader: directReads, inserter: directInserts))
            }
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
