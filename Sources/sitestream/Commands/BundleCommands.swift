import ArgumentParser
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming

/// `sitestream export --site DIR --consumer NAME --out PATH [--from CURSOR] [--to CURSOR]`:
/// producer side, an offline bundle of what that consumer may see (docs/formats/bundle.md).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write what a consumer may see as a signed bundle for offline transfer.")
    @OptionGroup var options: SiteOptions
    @Option(help: "The consumer (its name or site id).") var consumer: String
    @Option(help: ArgumentHelp("The bundle directory to create (must not exist).", valueName: "PATH")) var out: String
    @Option(help: ArgumentHelp("Start after this cursor (default: the start of the log; the consumer's `producer status` shows its watermark).",
                               valueName: "CURSOR")) var from: String?
    @Option(name: .customLong("to"), help: ArgumentHelp("End at this cursor (default: the end of the log now).", valueName: "CURSOR")) var through: String?

    func run() async throws {
        let from = try from.map { try Self.cursor($0, option: "--from") }
        let through = try through.map { try Self.cursor($0, option: "--to") }
        let progress = ProgressLine()
        let out = self.out, consumer = self.consumer
        let report = try await StreamSession.withSite(options) { site in
            var shown: UInt64 = 0
            return try StreamProducer(site: site, logger: CLILogging.logger()).exportBundle(consumer: consumer, to: out, from: from, through: through) { sequence, last in
                guard sequence >= shown + 1000 || sequence == last else { return }
                shown = sequence
                progress.note("exporting for \(consumer): entry \(sequence) of \(last)")
            }
        }
        progress.finish()
        let m = report.manifest
        if options.json {
            Output.printJSON([
                "path": .string(report.path), "producer": .string(m.producerName), "consumer": .string(m.consumerName),
                "from": .string(m.from.description), "from_sequence": .int(Int64(m.fromSequence)),
                "to": .string(m.to.description), "to_sequence": .int(Int64(m.toSequence)),
                "entries": .int(Int64(m.entries)), "files": .int(Int64(m.records.count)),
                "documents": .int(Int64(m.documents?.entries ?? 0)), "bytes": .int(Int64(report.bundleBytes)),
            ])
        } else {
            print("exported \(m.entries) entries for \(m.consumerName) (sequences \(m.fromSequence + 1)…\(m.toSequence), cursor \(m.from) … \(m.to)), \(m.documents?.entries ?? 0) dependency documents, \(report.bundleBytes) bytes in \(report.path)")
        }
    }

    static func cursor(_ text: String, option: String) throws -> LogCursor {
        guard let cursor = LogCursor(string: text) else { throw ValidationError("\(option) \(text) is not a cursor (SEGMENT:OFFSET, e.g. 1:32)") }
        return cursor
    }
}

/// `sitestream import --site DIR PATH [--producer NAME]`: consumer side, verify then replay a
/// bundle or a directory of copied segments; idempotent, resumable.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Verify and replay an offline bundle or a directory of copied segment files.")
    @OptionGroup var options: SiteOptions
    @Option(help: "For copied segments: the producer they come from, when this site follows more than one.") var producer: String?
    @Argument(help: ArgumentHelp("The bundle directory, or a directory of copied *.log segment files.", valueName: "PATH")) var path: String

    func run() async throws {
        let progress = ProgressLine()
        let path = self.path, producer = self.producer
        let report = try await StreamSession.withSite(options) { site in
            let shown = ShownProgress()
            return try await StreamConsumer(site: site, logger: CLILogging.logger()).importBundle(at: path, producer: producer) { sequence, _, last in
                guard shown.advance(to: sequence, last: last) else { return }
                progress.note("importing: entry \(sequence) of \(last)")
            }
        }
        progress.finish()
        let p = report.pull
        if options.json {
            var o: JSONObject = [
                "path": .string(path), "kind": .string(report.kind.rawValue), "producer": .string(report.producer),
                "verified": .int(Int64(report.verified)), "received": .int(Int64(p.received)), "synced": .int(Int64(p.synced)),
                "skipped": .int(Int64(p.skipped)), "failed": .int(Int64(p.failed)),
                "watermark_before": .string(report.before.cursor.description),
                "watermark": report.after.map { .string($0.cursor.description) } ?? .null,
            ]
            if let m = report.manifest {
                o["from"] = .string(m.from.description)
                o["to"] = .string(m.to.description)
            }
            Output.printJSON(.object(o))
        } else {
            print("imported \(report.kind == .bundle ? "bundle" : "copied segments") from \(report.producer): \(report.verified) entries verified, \(p.received) after the watermark for this site, \(p.synced) synced, \(p.skipped) skipped, \(p.failed) failed; watermark \(report.before.cursor) → \(report.after?.cursor.description ?? "none")")
        }
    }
}

/// Thins progress notes to about one per thousand entries.
final class ShownProgress: @unchecked Sendable {
    // @unchecked: the import calls progress from one task at a time.
    private var shown: UInt64 = 0
    func advance(to sequence: UInt64, last: UInt64) -> Bool {
        guard sequence >= shown + 1000 || sequence == last else { return false }
        shown = sequence
        return true
    }
}
