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

    /// The entries as `SyncLogEntry.json` objects: from the server holding the site, or from
    /// the site opened here.
    static func entries(_ options: SiteOptions, status: SyncLogEntry.Status? = nil, producer: String? = nil) async throws -> [JSON] {
        if let server = try StreamSession.server(options) {
            var query: [String] = []
            if let status { query.append("status=\(status.rawValue)") }
            if let producer { query.append("producer=\(server.segment(producer))") }
            let reply = try await server.call("GET", "/api/stream/sync-log" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), body: nil)
            return reply["message"]?.arrayValue ?? []
        }
        return try await StreamSession.withSite(options) { site in
            try StreamConsumer(site: site, logger: CLILogging.logger()).syncLog(status: status, producer: producer).map(\.json)
        }
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
            let entries = try await SyncLogCommand.entries(options, status: wanted, producer: producer)
            if options.json {
                Output.printJSON(.array(entries))
            } else {
                Output.printTable(["id", "status", "producer", "doctype", "remote name", "seq", "attempts", "error"], entries.map { e in
                    [e["id"]?.stringValue ?? "", e["status"]?.stringValue ?? "", e["producer"]?.stringValue ?? "",
                     e["ref_doctype"]?.stringValue ?? "", e["remote_name"]?.stringValue ?? "", String(e["sequence"]?.intValue ?? 0),
                     String(e["attempts"]?.intValue ?? 0), String((e["error"]?.stringValue ?? "").prefix(80))]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One sync-log entry with its data and error.")
        @OptionGroup var options: SiteOptions
        @Argument(help: "The entry's id.") var id: String

        func run() async throws {
            guard let entry = try await SyncLogCommand.entries(options).first(where: { $0["id"]?.stringValue == id }) else {
                throw CLIError("no sync-log entry \(id)")
            }
            Output.printJSON(entry)
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
            let reports: [JSON]
            if let server = try StreamSession.server(options) {
                let body: JSON = failed ? ["failed": true] : ["ids": .array(ids.map(JSON.string))]
                reports = try await server.call("POST", "/api/stream/resync", body: body)["message"]?.arrayValue ?? []
            } else {
                let (ids, failed) = (ids, failed)
                reports = try await StreamSession.withSite(options) { site in
                    try await ConsumerOperations.resync(StreamConsumer(site: site, logger: CLILogging.logger()), ids: ids, failed: failed)
                        .map { $0.1.json(producer: $0.0) }
                }
            }
            var lines: [String] = []
            for r in reports {
                lines.append("\(r["producer"]?.stringValue ?? "?"): \(r["documents"]?.intValue ?? 0) document(s) tried, \(r["released"]?.intValue ?? 0) released, \(r["synced"]?.intValue ?? 0) record(s) synced, \(r["failures"]?.objectValue?.count ?? 0) failed again")
                for (id, error) in r["failures"]?.objectValue ?? [:] { lines.append("  \(id): \(error.stringValue ?? "")") }
            }
            if lines.isEmpty { throw CLIError(failed ? "nothing to resync" : "no sync-log entry with those ids") }
            for line in lines { print(line) }
        }
    }
}
