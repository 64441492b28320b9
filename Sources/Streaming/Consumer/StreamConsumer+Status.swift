import EventLog
import Foundation

extension StreamConsumer {
    /// The producer's status as `producer status` shows it: `status(producer:)` with the
    /// parked and failed counts per DocType, and the lag per DocType the producer counts from
    /// this site's watermark (entries, bytes, age of the oldest, last pull, and whether
    /// retention removed the watermark's position). When the producer cannot be reached the
    /// rest is still returned, with `lagError` saying why.
    public func status(producer nameOrID: String, client: any ProducerClient) async throws -> ProducerStatus {
        var status = try status(producer: nameOrID)
        for key in try parkedKeys(producer: status.producer.name) { status.parkedByDocType[key.doctype, default: 0] += 1 }
        for entry in try syncLog(status: .failed, producer: status.producer.name) { status.failedByDocType[entry.doctype, default: 0] += 1 }
        do {
            status.lag = try await client.lag(consumer: site.identity.name, after: status.watermark?.cursor)
        } catch {
            status.lagError = String(describing: error)
        }
        return status
    }
}
