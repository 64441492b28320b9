import EventLog

/// How a consumer reaches a producer. The HTTP client (later) implements it with
/// `POST /api/stream/register`, `GET /api/stream/updates` and `POST /api/stream/documents`,
/// authenticating with the Event Producer's API key and secret; `LocalProducerClient` calls a
/// `StreamProducer` in the same process through the same byte formats.
///
/// Errors a client throws (unreachable, HTTP error status, `StreamError` decoded from a reply)
/// stop the pull they happen in; nothing is applied for the failed call.
public protocol ProducerClient: Sendable {
    func register(_ request: RegisterRequest) async throws -> RegisterReply

    /// The raw bytes of an updates reply (`UpdatesReply.encoded()`); the consumer verifies
    /// them itself, so a client never needs to trust or parse them.
    func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8]

    /// The next updates reply verified and decoded, as `UpdatesReply.decodeVerified` makes it
    /// of `updates`' bytes (the default). A client whose records never cross a wire (an
    /// offline import) may hand them over without encoding a reply only to decode it again,
    /// but verifies them no less: every frame's crc and fields, sequences and cursors
    /// increasing.
    func verifiedUpdates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> (reply: UpdatesReply, records: [LogRecord])

    func documents(_ request: DocumentsRequest) async throws -> DocumentsReply

    /// One page of a backfill (`GET /api/stream/backfill`).
    func backfill(_ request: BackfillRequest) async throws -> BackfillReply

    /// How far `consumer` standing at `after` is behind (`GET /api/stream/status?consumer=`).
    func lag(consumer: String, after: LogCursor?) async throws -> ConsumerLag
}

extension ProducerClient {
    public func verifiedUpdates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> (reply: UpdatesReply, records: [LogRecord]) {
        try UpdatesReply.decodeVerified(try await updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes))
    }

    public func backfill(_ request: BackfillRequest) async throws -> BackfillReply {
        throw StreamError(.invalidRequest, "this producer client cannot backfill")
    }

    public func lag(consumer: String, after: LogCursor?) async throws -> ConsumerLag {
        throw StreamError(.invalidRequest, "this producer client cannot ask for the consumer's lag")
    }
}

/// A `ProducerClient` for a producer in the same process (tests, the demo): requests and
/// replies go through their wire bytes, so what crosses is exactly what HTTP would carry.
public struct LocalProducerClient: ProducerClient {
    public let producer: StreamProducer
    /// The producer-side user the consumer's credentials belong to.
    public let caller: String
    /// Changes the bytes of each updates reply before the consumer sees them (fault tests).
    public var tamper: (@Sendable ([UInt8]) -> [UInt8])?

    public init(producer: StreamProducer, caller: String = "Administrator", tamper: (@Sendable ([UInt8]) -> [UInt8])? = nil) {
        self.producer = producer
        self.caller = caller
        self.tamper = tamper
    }

    public func register(_ request: RegisterRequest) async throws -> RegisterReply {
        let reply = try await producer.register(RegisterRequest(decoding: request.encoded()), caller: caller)
        return try RegisterReply(decoding: reply.encoded())
    }

    public func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        let after = after.flatMap { LogCursor(string: $0.description) }
        let bytes = try producer.updates(consumer: consumer, caller: caller, after: after, maxEntries: maxEntries, maxBytes: maxBytes).encoded()
        return tamper?(bytes) ?? bytes
    }

    public func documents(_ request: DocumentsRequest) async throws -> DocumentsReply {
        let reply = try producer.documents(DocumentsRequest(decoding: request.encoded()), caller: caller)
        return try DocumentsReply(decoding: reply.encoded())
    }

    public func backfill(_ request: BackfillRequest) async throws -> BackfillReply {
        try BackfillReply(decoding: try await producer.backfill(request, caller: caller).encoded())
    }

    public func lag(consumer: String, after: LogCursor?) async throws -> ConsumerLag {
        try ConsumerLag(decoding: try producer.lag(consumer: consumer, caller: caller, after: after).encoded())
    }
}
