import DocumentModel
import Streaming

/// What the command line asks of a consumer that needs its producers over HTTP: the same calls
/// whether the command opened the site itself or a served site runs them for it
/// (`SubscriptionRoutes`), each producer reached with its `Event Producer`'s URL and key.
public enum ConsumerOperations {
    /// An HTTP client of the producer `name`, from its `Event Producer` document.
    public static func client(_ consumer: StreamConsumer, producer name: String) throws -> HTTPProducerClient {
        guard let document = try consumer.site.get(SystemDocTypes.eventProducer, name),
              let client = HTTPProducerClient(eventProducer: document.object) else {
            throw StreamError(.invalidRequest, "the Event Producer \(name) has no URL or credentials")
        }
        return client
    }

    /// Every subscription's status; with `lag`, each producer that has a URL and key is asked
    /// for the lag per DocType (`producer list` without, `producer status` with).
    public static func statuses(_ consumer: StreamConsumer, lag: Bool) async throws -> [StreamConsumer.ProducerStatus] {
        var result: [StreamConsumer.ProducerStatus] = []
        for configuration in try consumer.producers() {
            if lag, let client = try? client(consumer, producer: configuration.name) {
                result.append(try await consumer.status(producer: configuration.name, client: client))
            } else {
                result.append(try consumer.status(producer: configuration.name))
            }
        }
        return result
    }

    /// Replays the parked documents of the Event Sync Log entries `ids` (or, with `failed`,
    /// every parked document), producer by producer. Returns a report per producer tried;
    /// empty when no entry matched.
    public static func resync(_ consumer: StreamConsumer, ids: [String], failed: Bool) async throws -> [(String, StreamConsumer.ResyncReport)] {
        let entries = try consumer.syncLog()
        var reports: [(String, StreamConsumer.ResyncReport)] = []
        for producer in try consumer.producers() {
            guard let client = try? client(consumer, producer: producer.name) else { continue }
            if failed {
                reports.append((producer.name, try await afterRunningPull { try await consumer.resyncFailed(producer: producer.name, client: client) }))
            } else {
                let mine = ids.filter { id in entries.contains { $0.id == id && ($0.producer == producer.name || $0.producer == producer.siteID) } }
                guard !mine.isEmpty else { continue }
                reports.append((producer.name, try await afterRunningPull { try await consumer.resync(producer: producer.name, ids: mine, client: client) }))
            }
        }
        return reports
    }

    /// Fetches the documents the producer has now for `doctypes` (nil: every subscribed one).
    public static func backfill(_ consumer: StreamConsumer, producer nameOrID: String, doctypes: [String]?) async throws -> StreamConsumer.BackfillReport {
        let configuration = try consumer.producer(nameOrID)
        let client = try client(consumer, producer: configuration.name)
        return try await afterRunningPull { try await consumer.backfill(producer: configuration.name, doctypes: doctypes, client: client) }
    }

    /// Runs `body`, again while it meets a pull from the same producer holding the claim
    /// (`.conflict`: on a served site its pull loop may be running), for up to `seconds`.
    static func afterRunningPull<T>(seconds: Double = 60, _ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            do {
                return try await body()
            } catch let error as StreamError where error.code == .conflict && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
