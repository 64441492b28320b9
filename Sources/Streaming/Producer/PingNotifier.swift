import EventLog
import Logging

/// The producer's pings: whenever new entries become durable in the log, every registered
/// consumer with a callback URL and at least one approved DocType is told "there is news"
/// through `send` (the HTTP layer posts to `POST /api/stream/notify` with the consumer's
/// notify token). Pings are hints: a lost one only delays the consumer until its next poll,
/// so a failed `send` is logged and not retried. Bursts of writes give one round of pings
/// per wake-up, not one per entry.
///
/// ```swift
/// let notifier = PingNotifier(producer: producer) { consumer in
///     try await http.post(consumer.callbackURL!, token: consumer.notifyToken!)
/// }
/// let task = Task { await notifier.run() }
/// ```
public final class PingNotifier: Sendable {
    public typealias Send = @Sendable (StreamProducer.ConsumerRecord) async throws -> Void

    let producer: StreamProducer
    let send: Send
    let logger: Logger

    public init(producer: StreamProducer, logger: Logger = Logger(label: "sitestream.streaming.ping"), send: @escaping Send) {
        self.producer = producer
        self.send = send
        self.logger = logger
    }

    /// Pings for every entry that becomes durable after `sequence` (default: the log's end
    /// now), until the task is cancelled or the log closes. Returns the number of rounds.
    @discardableResult
    public func run(after sequence: UInt64? = nil) async -> Int {
        var seen = sequence ?? producer.site.log.lastSequence
        var rounds = 0
        while !Task.isCancelled {
            let now = await producer.site.log.waitForDurable(after: seen)
            guard now > seen, !Task.isCancelled else { break }
            seen = now
            rounds += 1
            await pingAll()
        }
        return rounds
    }

    /// One round: every consumer that could receive something is pinged once.
    public func pingAll() async {
        let consumers: [StreamProducer.ConsumerRecord]
        do { consumers = try producer.consumers() } catch {
            logger.warning("cannot list consumers to ping", metadata: ["error": "\(error)"])
            return
        }
        for consumer in consumers where consumer.callbackURL != nil && !consumer.approved.isEmpty {
            do { try await send(consumer) } catch {
                logger.info("ping failed", metadata: ["consumer": "\(consumer.name)", "error": "\(error)"])
            }
        }
    }
}
