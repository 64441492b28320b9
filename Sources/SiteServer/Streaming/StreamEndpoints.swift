import Streaming

/// What the streaming routes serve: this site as a producer (register, updates, documents,
/// status) and as a consumer (the producer's pings, handed to `notify`).
public struct StreamEndpoints: Sendable {
    public var producer: StreamProducer
    public var consumer: StreamConsumer
    /// Called with the producer's site id when a valid ping arrives (wakes that pull loop).
    public var notify: @Sendable (String) -> Void
    /// Pulls now from every producer (or the one named, by name or site id) until caught up,
    /// returning each producer's name and report (`POST /api/stream/pull`).
    public var pullNow: @Sendable (String?) async throws -> [(String, StreamConsumer.PullReport)]

    public init(producer: StreamProducer, consumer: StreamConsumer, notify: @escaping @Sendable (String) -> Void = { _ in },
                pullNow: @escaping @Sendable (String?) async throws -> [(String, StreamConsumer.PullReport)] = { _ in [] }) {
        self.producer = producer
        self.consumer = consumer
        self.notify = notify
        self.pullNow = pullNow
    }
}

extension BackendError {
    /// The HTTP face of a streaming error (see `StreamError`'s mapping).
    init(_ error: StreamError) {
        switch error.code {
        case .permission: self = .permission(message: error.message)
        case .notFound: self = .notFound(doctype: error.doctype ?? "", name: error.docname, message: error.message)
        case .invalidRequest, .integrity: self = .malformed(message: error.message)
        case .conflict: self = .duplicate(doctype: "Event Consumer", name: error.consumer ?? "", message: error.message)
        case .transport: self = .malformed(message: error.message)
        case .positionGone: self = .gone(message: error.message)
        }
    }
}
