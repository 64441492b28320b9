import ArgumentParser
import Foundation
import Site
import SiteServer
import SiteStreamJSON
import Streaming

/// `sitestream sync-log list|show|resync`: the consumer's Event Sync Log (failures, and the
/// records parked behind them) and re-attempting them.
struct SyncLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-log", abstract: "Failed and waiting replays, and re-attempting them.",
        subcommands: [List.self, Show.self, Resync.self])

    static func json(_ e: SyncLogEntry) -> JSON {
        [
            "id": .string(e.id), "status": .string(e.status.rawValue), "producer": .string(e.producer),
            "update_type": .string(e.updateType), "ref_doctype": .string(e.doctype), "remote_name": .string(e.remoteName),
            "local_name": .string(e.localName), "sequence": .int(Int64(e.sequence)), "error": e.error.map(JSON.string) ?? .null,
            "attempts": .int(Int64(e.attempts)), "next_retry": e.nextRetry.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null,
            "data": (try? JSON(parsing: e.data)) ?? .string(e.data),
        ]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync-log entries, oldest first.")
        @OptionGroup var options: SiteOptions
        @Option(help: "Only entries with this status: Failed, Waiting or Synced.") var status: String?
        @Option(help: "Only this producer (name or site id).") var producer: String?

        func run() async throws {
            var wanted: SyncLogEntry.Status?
            if let status {
                guard let parsed = SyncLogEntry.Status(rawValue: status.capitalized) else {
                    throw ValidationError("--status must be Failed, Waiting or Synced, got '\(status)'")
                }
                wanted = parsed
            }
            let entries = try await StreamSession.withSite(options) { site in
                try StreamConsumer(site: site, logger: CLILogging.logger()).syncLog(status: wanted, producer: producer)
            }
            if options.json {
                Output.printJSON(.array(entries.map(SyncLogCommand.json)))
            } else {
                Output.printTable(["id", "status", "producer", "doctype", "remote name", "seq", "attempts", "error"], entries.map { e in
                    [e.id, e.status.rawValue, e.producer, e.doctype, e.remoteName, String(e.sequence), String(e.attempts),
                     String((e.error ?? "").prefix(80))]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One sync-log entry with its data and error.")
        @OptionGroup var options: SiteOptions
        @Argument(help: "The entry's id.") var id: String

        func run() async throws {
            let entries = try await StreamSession.withSite(options) { site in
                try StreamConsumer(site: site, logger: CLILogging.logger()).syncLog()
            }
            guard let entry = entries.first(where: { $0.id == id }) else { throw CLIError("no sync-log entry \(id)") }
            Output.printJSON(SyncLogCommand.json(entry))
        }
    }

    struct Resync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replay parked documents in order (by entry id, or --failed for all).")
        @OptionGroup var options: SiteOptions
        @Argument(help: "Entry ids.") var ids: [String] = []
        @Flag(help: "Every parked document of every producer.") var failed = false

        func validate() throws {
            if ids.isEmpty == !failed { throw ValidationError("give entry ids or --failed (not both)") }
        }

        func run() async throws {
            let lines = try await StreamSession.withSite(options) { site -> [String] in
                let consumer = StreamConsumer(site: site, logger: CLILogging.logger())
                let entries = try consumer.syncLog()
                var lines: [String] = []
                for producer in try consumer.producers() {
                    guard let document = try site.get("Event Producer", producer.name),
                          let client = HTTPProducerClient(eventProducer: document.object) else { continue }
                    let report: StreamConsumer.ResyncReport
                    if failed {
                        report = try await consumer.resyncFailed(producer: producer.name, client: client)
                    } else {
                        let mine = ids.filter { id in entries.contains { $0.id == id && ($0.producer == producer.name || $0.producer == producer.siteID) } }
                        guard !mine.isEmpty else { continue }
                        report = try await consumer.resync(producer: producer.name, ids: mine, client: client)
                    }
                    lines.append("\(producer.name): \(report.documents) document(s) tried, \(report.released) released, \(report.synced) record(s) synced, \(report.failures.count) failed again")
                    for (id, error) in report.failures.sorted(by: { $0.key < $1.key }) { lines.append("  \(id): \(error)") }
                }
                return lines
            }
            if lines.isEmpty { throw CLIError(failed ? "nothing to resync" : "no sync-log entry with those ids") }
            for line in lines { print(line) }
        }
    }
}
