import Foundation
import Site
import Streaming

extension StreamingDemo {
    /// Each consumer's lag in entries, summed over its producers, as the producers measure it
    /// (`StreamProducer.consumerBacklogs`, the figure `/metrics` serves).
    static func lag(of nodes: [DemoNode]) throws -> [String: UInt64] {
        var lag: [String: UInt64] = [:]
        for node in nodes { lag[node.name] = 0 }
        for producer in nodes {
            for entry in producer.served.producer.consumerBacklogs() where lag[entry.consumer] != nil {
                lag[entry.consumer]! += entry.entries
            }
        }
        return lag
    }

    /// The table per site: documents stored, log entries, lag as a consumer, records
    /// replayed from its producers, and its Event Sync Log by status.
    func summary(_ nodes: [DemoNode]) throws -> String {
        let lag = try Self.lag(of: nodes)
        var lines = [
            "",
            "site           documents  log entries  lag  replayed  sync log: failed  waiting  synced",
        ]
        for node in nodes {
            var documents = 0
            for doctype in node.site.schema.names { documents += node.site.count(doctype) }
            var replayed: UInt64 = 0
            for producer in try node.served.consumer.producers() {
                replayed += try node.served.consumer.status(producer: producer.name).watermark?.synced ?? 0
            }
            let log = try node.served.consumer.syncLog()
            func count(_ status: SyncLogEntry.Status) -> Int { log.filter { $0.status == status }.count }
            lines.append(node.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                         + String(format: "  %9d  %11d  %3d  %8d  %16d  %7d  %6d", documents, Int(node.site.log.lastWrittenSequence),
                                  Int(lag[node.name] ?? 0), Int(replayed), count(.failed), count(.waiting), count(.synced)))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
