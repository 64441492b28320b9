import ArgumentParser
import DocumentModel
import ERPFixtures
import Foundation
import Synchronization
import Site
import SiteServer
import SiteStreamJSON
import Streaming

/// Opens a site for a streaming command. These commands open the site themselves; while a
/// server holds it they refuse with a clear message (the served site pulls on its own).
enum StreamSession {
    /// The server holding the site, if one does: commands that it answers go through it.
    static func server(_ options: SiteOptions) throws -> RemoteDocumentClient? {
        ServerFile.live(try options.layout()).map(RemoteDocumentClient.init(server:))
    }

    /// This site's subscriptions (`lag`: with each producer's lag), from its server or from the
    /// site opened here.
    static func subscriptions(_ options: SiteOptions, lag: Bool) async throws -> [StreamConsumer.ProducerStatus] {
        if let server = try server(options) { return try await server.subscriptions(lag: lag) }
        return try await withSite(options) { site in
            try await ConsumerOperations.statuses(StreamConsumer(site: site, logger: CLILogging.logger()), lag: lag)
        }
    }

    static func withSite<T: Sendable>(_ options: SiteOptions, _ body: (Site) async throws -> T) async throws -> T {
        let layout = try options.layout()
        if let server = ServerFile.live(layout) {
            throw CLIError("the site is served by process \(server.pid) at \(server.url); streaming commands open the site directly today, so stop the server first (a served site pulls from its producers by itself)")
        }
        let site = try Site.open(at: layout, controllers: .sitestream, logger: CLILogging.logger())
        do {
            let value = try await body(site)
            try site.close()
            return value
        } catch {
            try? site.close()
            throw error
        }
    }
}

/// `sitestream producer add|list|status`: this site's subscriptions to other sites.
struct ProducerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer", abstract: "Subscribe to producers and see how the subscriptions stand.",
        subcommands: [Add.self, List.self, Status.self, Backfill.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe this site to a producer; registers with it at once.",
            discussion: "SPEC is a DocType name, optionally followed by ;same-name, ;condition=EXPR, ;mapping=NAME, ;on-revoke=keep|delete, ;backfill. A built-in mapping (Sales Order to Purchase Order, Customer to Supplier) is installed on first use.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The producer's URL, e.g. http://127.0.0.1:8000.") var url: String
        @Option(name: .customLong("api-key"), help: "A key of a user on the producer.") var apiKey: String
        @Option(name: .customLong("api-secret"), help: "That key's secret.") var apiSecret: String
        @Option(name: .customLong("doctype"), parsing: .upToNextOption, help: "DocType SPECs to subscribe to.") var doctypes: [String]
        @Flag(help: "Ask for the documents that already exist, for every DocType given (fetched once approved).") var backfill = false

        func run() async throws {
            var specs = try doctypes.map(ProducerCommand.parseSpec)
            if backfill { for i in specs.indices { specs[i].backfill = true } }
            guard !specs.isEmpty else { throw ValidationError("give at least one --doctype") }
            if let server = ServerFile.live(try options.layout()) {
                try await addThroughServer(server, specs: specs)
                return
            }
            let client = HTTPProducerClient(url: url, apiKey: apiKey, apiSecret: apiSecret)
            let status = try await StreamSession.withSite(options) { site in
                try await ProducerCommand.installBuiltinMappings(specs.compactMap(\.mapping), on: site)
                return try await StreamConsumer(site: site, logger: CLILogging.logger())
                    .subscribe(Subscription(producerURL: url, apiKey: apiKey, apiSecret: apiSecret, doctypes: specs), client: client)
            }
            if options.json {
                Output.printJSON(status.json)
            } else {
                print("subscribed to \(status.producer.name) (\(status.producer.url)): " +
                      status.producer.rows.map { "\($0.doctype) \($0.status.rawValue)" }.joined(separator: ", "))
                if status.producer.rows.contains(where: { $0.status == .pending }) {
                    print("the producer must approve: sitestream consumer approve --site PRODUCER_DIR --consumer NAME --doctype …")
                }
                if status.producer.rows.contains(where: \.backfill) {
                    print("backfill of existing documents: by the first pull once approved (sitestream pull, or the served site's own pulls)")
                }
            }
        }

        /// While a server holds the site: the built-in mappings, then the `Event Producer` saved
        /// through its REST API, which registers with the producer and starts the pull loop there.
        func addThroughServer(_ server: ServerFile, specs: [Subscription.DocTypeOptions]) async throws {
            let client = RemoteDocumentClient(server: server)
            try await ProducerCommand.installBuiltinMappings(specs.compactMap(\.mapping), through: client)
            let rows: [JSON] = specs.map { spec in
                ["ref_doctype": .string(spec.doctype), "use_same_name": spec.useSameName ? 1 : 0,
                 "condition": spec.condition.map(JSON.string) ?? .null, "mapping": spec.mapping.map(JSON.string) ?? .null,
                 "on_revoke": .string(spec.onRevoke.rawValue), "backfill": spec.backfill ? 1 : 0]
            }
            let document = try await client.insert("Event Producer", [
                "producer_url": .string(url), "api_key": .string(apiKey), "api_secret": .string(apiSecret), "producer_doctypes": .array(rows),
            ])
            let saved = (document["producer_doctypes"]?.arrayValue ?? []).map { ($0["ref_doctype"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") }
            if options.json {
                Output.printJSON(["producer": document["name"] ?? .null, "site_id": document["site_id"] ?? .null, "url": .string(url),
                                  "doctypes": .array(saved.map { ["doctype": .string($0.0), "status": .string($0.1)] })])
                return
            }
            print("subscribed to \(document["name"]?.stringValue ?? "?") (\(url)) through the server: " + saved.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            if saved.contains(where: { $0.1 == DocTypeRegistration.Status.pending.rawValue }) {
                print("the producer must approve: sitestream consumer approve --site PRODUCER_DIR --consumer NAME --doctype …")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The producers this site subscribes to.")
        @OptionGroup var options: SiteOptions
        func run() async throws { try await ProducerCommand.show(options) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per producer and DocType: approval, watermark, lag (entries, bytes, age of the oldest), last pull, parked and failed.")
        @OptionGroup var options: SiteOptions
        func run() async throws { try await ProducerCommand.showStatus(options) }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the documents a producer has now (all subscribed DocTypes, or those given), then stream on.",
            discussion: "The way back after the producer's retention removed this site's position in its log.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The producer (its name or site id).") var producer: String
        @Option(name: .customLong("doctype"), parsing: .upToNextOption, help: "Only these DocTypes.") var doctypes: [String] = []

        func run() async throws {
            let report: JSON
            if let server = try StreamSession.server(options) {
                report = try await server.call("POST", "/api/stream/subscriptions/backfill",
                                               body: ["producer": .string(producer), "doctypes": .array(doctypes.map(JSON.string))])["message"] ?? .null
            } else {
                let (producer, doctypes) = (producer, doctypes)
                report = try await StreamSession.withSite(options) { site in
                    try await ConsumerOperations.backfill(StreamConsumer(site: site, logger: CLILogging.logger()), producer: producer,
                                                          doctypes: doctypes.isEmpty ? nil : doctypes).json
                }
            }
            if options.json {
                Output.printJSON(report)
                return
            }
            func count(_ key: String) -> Int64 { report[key]?.intValue ?? 0 }
            print("backfill: \(count("received")) documents received, \(count("synced")) applied, \(count("skipped")) already current, \(count("failed")) failed, \(count("removed")) removed")
            let waiting = (report["waiting"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !waiting.isEmpty { print("waiting for approval: \(waiting.joined(separator: ", "))") }
            if let reset = report["watermark_reset"]?.stringValue { print("watermark moved to \(reset); the stream continues from there") }
        }
    }

    static func showStatus(_ options: SiteOptions) async throws {
        let statuses = try await StreamSession.subscriptions(options, lag: true)
        if options.json {
            Output.printJSON(.array(statuses.map(\.json)))
            return
        }
        var table: [[String]] = []
        for s in statuses {
            let lag = Dictionary((s.lag?.doctypes ?? []).map { ($0.doctype, $0) }, uniquingKeysWith: { a, _ in a })
            for row in s.producer.rows where !row.unsubscribed {
                let l = lag[row.doctype]
                table.append([s.producer.name, row.doctype, row.status.rawValue + (row.backfill ? " (backfill due)" : ""),
                              s.watermark.map { "\($0.sequence) @ \($0.cursor)" } ?? "-",
                              l.map { String($0.entries) } ?? "?", l.map { Output.bytes($0.bytes) } ?? "?",
                              l?.oldestAgeSeconds.map { Output.age($0) } ?? "-",
                              s.lag?.lastPull.map { Output.age(Date().timeIntervalSince1970 - $0) + " ago" } ?? "-",
                              String(s.parkedByDocType[row.doctype] ?? 0), String(s.failedByDocType[row.doctype] ?? 0)])
            }
        }
        Output.printTable(["producer", "doctype", "approval", "watermark", "lag", "bytes", "oldest", "last pull", "parked", "failed"], table)
        for s in statuses {
            if s.lag?.positionGone == true {
                print("\(s.producer.name): retention removed this site's position in its log; backfill to catch up: sitestream producer backfill --site DIR --producer \(s.producer.name)")
            } else if let error = s.lagError {
                print("\(s.producer.name): lag unknown: \(error)")
            }
        }
    }

    static func show(_ options: SiteOptions) async throws {
        let statuses = try await StreamSession.subscriptions(options, lag: false)
        if options.json {
            Output.printJSON(.array(statuses.map(\.json)))
            return
        }
        Output.printTable(["producer", "url", "doctypes", "watermark", "synced", "failed"], statuses.map { s in
            [s.producer.name, s.producer.url, s.producer.rows.map { "\($0.doctype) (\($0.status.rawValue))" }.joined(separator: ", "),
             s.watermark.map { "\($0.sequence) @ \($0.cursor)" } ?? "-", String(s.watermark?.synced ?? 0), String(s.watermark?.failed ?? 0)]
        })
    }

    /// Inserts the built-in `Document Type Mapping`s named in `names` (and those their rows
    /// name) that the site does not have yet, in dependency order.
    static func installBuiltinMappings(_ names: [String], on site: Site) async throws {
        let missing = try builtinMappings(names) { site.exists(SystemDocTypes.documentTypeMapping, $0) }
        guard !missing.isEmpty else { return }
        try await site.write { tx in
            for mapping in missing { try tx.insert(mapping, keepingName: true) }
        }
    }

    /// The same, through a server's REST API.
    static func installBuiltinMappings(_ names: [String], through client: any DocumentClient) async throws {
        guard !names.isEmpty else { return }
        let present = Set(try await client.list(SystemDocTypes.documentTypeMapping, filters: [:], start: 0, limit: 1_000).compactMap { $0["name"]?.stringValue })
        for mapping in try builtinMappings(names, present: present.contains) {
            _ = try await client.insert(SystemDocTypes.documentTypeMapping, mapping.object)
        }
    }

    /// The built-in mappings `names` need (they and those their rows name) that `present` says
    /// are missing, in dependency order (the order of the files).
    static func builtinMappings(_ names: [String], present: (String) -> Bool) throws -> [Document] {
        let builtins = try ERPFixtures.mappingDocuments().compactMap(Document.init(json:))
        var wanted = Set<String>()
        func want(_ name: String) {
            guard wanted.insert(name).inserted, let mapping = builtins.first(where: { $0.name == name }) else { return }
            for row in mapping.rows(of: "field_mapping") { if let inner = row["mapping"]?.stringValue { want(inner) } }
        }
        for name in names where !present(name) { want(name) }
        return builtins.filter { wanted.contains($0.name ?? "") && !present($0.name ?? "") }
    }

    /// `DocType[;same-name][;condition=EXPR][;mapping=NAME][;on-revoke=keep|delete][;backfill]`.
    static func parseSpec(_ spec: String) throws -> Subscription.DocTypeOptions {
        let parts = spec.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let doctype = parts.first, !doctype.isEmpty else { throw ValidationError("--doctype '\(spec)': no DocType name") }
        var options = Subscription.DocTypeOptions(doctype, useSameName: false)
        for part in parts.dropFirst() {
            if part == "same-name" {
                options.useSameName = true
            } else if part.hasPrefix("condition=") {
                options.condition = String(part.dropFirst("condition=".count))
            } else if part.hasPrefix("mapping=") {
                options.mapping = String(part.dropFirst("mapping=".count))
            } else if part.hasPrefix("on-revoke=") {
                let value = String(part.dropFirst("on-revoke=".count)).lowercased()
                guard let onRevoke = Subscription.OnRevoke(rawValue: value.capitalized) else {
                    throw ValidationError("--doctype '\(spec)': on-revoke must be keep or delete, got '\(value)'")
                }
                options.onRevoke = onRevoke
            } else if part == "backfill" {
                options.backfill = true
            } else {
                throw ValidationError("--doctype '\(spec)': unknown option '\(part)'; use same-name, condition=EXPR, mapping=NAME, on-revoke=keep|delete or backfill")
            }
        }
        return options
    }
}

/// `sitestream consumer list|approve|reject`: the producer's side of subscriptions.
struct ConsumerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer", abstract: "Registered consumers and their per-DocType approval.",
        subcommands: [List.self, Approve.self, Reject.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The consumers registered with this site.")
        @OptionGroup var options: SiteOptions
        func run() async throws {
            // The Event Consumer documents, through the server when one holds the site.
            let client = try SiteSession.documents(options)
            var documents: [JSONObject] = []
            // A list leaves child tables out (as Frappe's does), so each consumer is read whole.
            for listed in try await client.list("Event Consumer", filters: [:], start: 0, limit: 1_000) {
                documents.append(try await client.get("Event Consumer", listed["name"]?.stringValue ?? ""))
            }
            let records: [(name: String, siteID: String, callback: String?, rows: [(String, String)])] = documents.map { d in
                (d["name"]?.stringValue ?? "", d["site_id"]?.stringValue ?? "", d["callback_url"]?.stringValue,
                 (d["consumer_doctypes"]?.arrayValue ?? []).map { ($0["ref_doctype"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") })
            }
            if options.json {
                Output.printJSON(.array(records.map { r in
                    ["consumer": .string(r.name), "site_id": .string(r.siteID), "callback_url": r.callback.map(JSON.string) ?? .null,
                     "doctypes": .array(r.rows.map { ["doctype": .string($0.0), "status": .string($0.1)] })]
                }))
            } else {
                Output.printTable(["consumer", "site id", "doctypes"], records.map { r in
                    [r.name, r.siteID, r.rows.map { "\($0.0) (\($0.1))" }.joined(separator: ", ")]
                })
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve DocTypes for a consumer.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The consumer's site name or id.") var consumer: String
        @Option(name: .customLong("doctype"), parsing: .upToNextOption, help: "DocTypes to approve.") var doctypes: [String]
        func run() async throws {
            try await ConsumerCommand.setStatus(options, consumer: consumer, doctypes: doctypes, status: .approved)
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject DocTypes for a consumer.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The consumer's site name or id.") var consumer: String
        @Option(name: .customLong("doctype"), parsing: .upToNextOption, help: "DocTypes to reject.") var doctypes: [String]
        func run() async throws {
            try await ConsumerCommand.setStatus(options, consumer: consumer, doctypes: doctypes, status: .rejected)
        }
    }
}

extension ConsumerCommand {
    /// Sets the approval of `doctypes` for `consumer`: through the server when one holds the
    /// site (the `Event Consumer` document's rows, over REST), otherwise directly.
    static func setStatus(_ options: SiteOptions, consumer: String, doctypes: [String], status: DocTypeRegistration.Status) async throws {
        guard !doctypes.isEmpty else { throw ValidationError("give at least one --doctype") }
        let layout = try options.layout()
        let rows: [(String, String)]
        if let server = ServerFile.live(layout) {
            let remote = RemoteDocumentClient(server: server)
            let document = try await remote.get("Event Consumer", consumer)
            var table = (document["consumer_doctypes"]?.arrayValue ?? []).compactMap(\.objectValue)
            let known = Set(table.compactMap { $0["ref_doctype"]?.stringValue })
            if let unknown = doctypes.first(where: { !known.contains($0) }) {
                throw CLIError("\(consumer) has not asked for \(unknown); it asked for \(known.sorted().joined(separator: ", "))")
            }
            for i in table.indices where doctypes.contains(table[i]["ref_doctype"]?.stringValue ?? "") {
                table[i]["status"] = .string(status.rawValue)
            }
            let saved = try await remote.update("Event Consumer", consumer, ["consumer_doctypes": .array(table.map(JSON.object))])
            rows = (saved["consumer_doctypes"]?.arrayValue ?? []).map { ($0["ref_doctype"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") }
        } else {
            let record = try await StreamSession.withSite(options) { site in
                status == .approved
                    ? try await StreamProducer(site: site).approve(consumer: consumer, doctypes: doctypes)
                    : try await StreamProducer(site: site).reject(consumer: consumer, doctypes: doctypes)
            }
            rows = record.doctypes.map { ($0.doctype, $0.status.rawValue) }
        }
        print("\(consumer): " + rows.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
    }
}

/// `sitestream pull --site DIR [--producer NAME]`: pull and replay everything available now.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull and replay everything the producers have now, then exit.")
    @OptionGroup var options: SiteOptions
    @Option(help: "Only this producer (its name, site id or URL).") var producer: String?

    func run() async throws {
        HeapPolicy.returnLargeBlocks()
        if let server = try StreamSession.server(options) {
            // The served site pulls through its own pull loops; no progress bar from here.
            for report in try await server.pull(producer: producer) {
                print(Self.line(report["producer"]?.stringValue ?? "?", received: report["received"]?.intValue ?? 0,
                                synced: report["synced"]?.intValue ?? 0, skipped: report["skipped"]?.intValue ?? 0,
                                failed: report["failed"]?.intValue ?? 0))
            }
            return
        }
        let progress = ProgressLine()
        let reports = try await StreamSession.withSite(options) { site -> [(String, StreamConsumer.PullReport)] in
            let consumer = StreamConsumer(site: site, logger: CLILogging.logger())
            var reports: [(String, StreamConsumer.PullReport)] = []
            for configuration in try consumer.producers() where producer == nil || configuration.isNamed(producer!) {
                let client = try ConsumerOperations.client(consumer, producer: configuration.name)
                let name = configuration.name
                // Counted from the first record this pull sees, so the rate and ETA are this pull's.
                let first = Mutex<UInt64?>(nil)
                let report = try await consumer.pull(producer: name, client: client) { sequence, _, last in
                    let start = first.withLock { value in
                        if value == nil { value = sequence }
                        return value!
                    }
                    progress.update("pulling from \(name)", done: Int(sequence - start + 1), total: Int(max(last, sequence) - start + 1))
                }
                reports.append((name, report))
            }
            return reports
        }
        progress.finish()
        if let producer, reports.isEmpty { throw CLIError("this site does not subscribe to a producer named \(producer)") }
        for (name, report) in reports {
            print(Self.line(name, received: Int64(report.received), synced: Int64(report.synced), skipped: Int64(report.skipped),
                            failed: Int64(report.failed)))
        }
    }

    static func line(_ name: String, received: Int64, synced: Int64, skipped: Int64, failed: Int64) -> String {
        "\(name): \(received) received, \(synced) synced, \(skipped) skipped, \(failed) failed"
    }
}
