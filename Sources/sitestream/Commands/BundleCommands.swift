import ArgumentParser
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Synchronization

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
        let report: JSON
        if let server = try StreamSession.server(options) {
            // The server writes the bundle (the path is on this machine); no progress from here.
            report = try await server.call("POST", "/api/stream/export", body: [
                "consumer": .string(consumer), "out": .string(URL(fileURLWithPath: out).standardizedFileURL.path),
                "from": from.map { .string($0.description) } ?? .null, "to": through.map { .string($0.description) } ?? .null,
            ])["message"] ?? .null
        } else {
            let progress = ProgressLine()
            let out = self.out, consumer = self.consumer
            report = try await StreamSession.withSite(options) { site in
                let shown = ShownProgress(progress, label: "exporting for \(consumer)")
                let exported = try StreamProducer(site: site, logger: CLILogging.logger()).exportBundle(consumer: consumer, to: out, from: from, through: through) { sequence, last in
                    shown.reached(sequence, of: last)
                }
                shown.complete()
                return exported.json
            }
            progress.finish()
        }
        if options.json {
            Output.printJSON(report)
        } else {
            func text(_ key: String) -> String { report[key]?.stringValue ?? "?" }
            func number(_ key: String) -> Int64 { report[key]?.intValue ?? 0 }
            print("exported \(number("entries")) entries for \(text("consumer")) (sequences \(number("from_sequence") + 1)…\(number("to_sequence")), cursor \(text("from")) … \(text("to"))), \(number("documents")) dependency documents, \(number("bytes")) bytes in \(text("path"))")
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
        HeapPolicy.returnLargeBlocks()
        let report: JSON
        if let server = try StreamSession.server(options) {
            // The served site replays the bundle itself; no progress from here.
            report = try await server.call("POST", "/api/stream/import", body: [
                "path": .string(URL(fileURLWithPath: path).standardizedFileURL.path), "producer": producer.map(JSON.string) ?? .null,
            ])["message"] ?? .null
        } else {
            let progress = ProgressLine()
            let path = self.path, producer = self.producer
            report = try await StreamSession.withSite(options) { site in
                let shown = ShownProgress(progress, label: "importing \((path as NSString).lastPathComponent)")
                let imported = try await StreamConsumer(site: site, logger: CLILogging.logger()).importBundle(at: path, producer: producer) { sequence, _, last in
                    shown.reached(sequence, of: last)
                }
                shown.complete()
                return imported.json(path: path)
            }
            progress.finish()
        }
        if options.json {
            Output.printJSON(report)
        } else {
            func text(_ key: String) -> String { report[key]?.stringValue ?? "none" }
            func number(_ key: String) -> Int64 { report[key]?.intValue ?? 0 }
            print("imported \(text("kind") == "bundle" ? "bundle" : "copied segments") from \(text("producer")): \(number("verified")) entries verified, \(number("received")) after the watermark for this site, \(number("synced")) synced, \(number("skipped")) skipped, \(number("failed")) failed; watermark \(text("watermark_before")) → \(text("watermark"))")
        }
    }
}

/// The progress bar of an export or import (`ProgressLine`: a bar on a terminal, a plain line
/// every few seconds otherwise), counted in producer sequences from the first record reported
/// to the producer's last, as `pull` shows it; redrawn at most every 1000 sequences and at the
/// end, so a million-entry import does not spend its time drawing.
final class ShownProgress: Sendable {
    private struct State {
        var first: UInt64?
        var shown: UInt64 = 0
        var last: UInt64 = 0
    }

    private let progress: ProgressLine
    private let label: String
    private let state = Mutex(State())

    init(_ progress: ProgressLine, label: String) {
        self.progress = progress
        self.label = label
    }

    func reached(_ sequence: UInt64, of last: UInt64) {
        let start: UInt64? = state.withLock { state in
            if state.first == nil { state.first = sequence }
            state.last = max(state.last, last, sequence)
            guard sequence >= state.shown + 1000 || sequence >= last else { return nil }
            state.shown = sequence
            return state.first!
        }
        guard let start else { return }
        progress.update(label, done: Int(sequence - start + 1), total: Int(max(last, sequence) - start + 1))
    }

    /// The whole range done, once the operation succeeded: its last records may have been
    /// filtered out, so the last one reported can lie short of the producer's last sequence.
    func complete() {
        let range: (UInt64, UInt64)? = state.withLock { state in state.first.map { ($0, state.last) } }
        guard let (start, last) = range else { return }
        progress.update(label, done: Int(last - start + 1), total: Int(last - start + 1))
    }
}
