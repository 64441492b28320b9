import ArgumentParser
import EventLog
import Foundation
import Site
import SiteStreamJSON

/// `sitestream log tail|inspect|verify|recover --site DIR` (or `--log DIR` for a bare log).
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read, inspect, verify and recover the Event Update Log.",
        subcommands: [Tail.self, Inspect.self, Verify.self, Recover.self]
    )

    struct LogOptions: ParsableArguments {
        @OptionGroup var site: SiteOptions
        @Option(help: ArgumentHelp("A bare log directory instead of a site's.", valueName: "DIR"))
        var log: String?

        func directory() throws -> String {
            if let log { return URL(fileURLWithPath: log).standardizedFileURL.path }
            return try site.layout().logDirectory.path
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Segments, sequence ranges, sizes.")
        @OptionGroup var options: LogOptions

        func run() throws {
            let report = try EventLog.inspect(directory: options.directory())
            if options.site.json {
                Output.printJSON([
                    "directory": .string(report.directory),
                    "first_sequence": report.firstSequence.map { .int(Int64($0)) } ?? .null,
                    "last_sequence": report.lastSequence.map { .int(Int64($0)) } ?? .null,
                    "open_for_writing": .bool(report.openForWriting),
                    "segments": .array(report.segments.map { s in
                        ["file": .string(s.file), "base_sequence": .int(Int64(s.baseSequence)),
                         "last_sequence": .int(Int64(s.lastSequence)), "entries": .int(Int64(s.entryCount)),
                         "bytes": .int(Int64(s.bytes)), "sealed": .bool(s.sealed), "index_current": .bool(s.indexCurrent)]
                    }),
                    "problems": .array(report.problems.map(LogCommand.problemJSON)),
                ])
            } else {
                print("log \(report.directory): entries \(report.firstSequence.map(String.init) ?? "-")…\(report.lastSequence.map(String.init) ?? "-")\(report.openForWriting ? " (open for writing by another process)" : "")")
                Output.printTable(["segment", "first", "last", "entries", "bytes", "state"], report.segments.map { s in
                    [s.file, String(s.baseSequence), String(s.lastSequence), String(s.entryCount), String(s.bytes),
                     (s.sealed ? "sealed" : "active") + (s.indexCurrent ? "" : ", index stale")]
                })
                for problem in report.problems { print("problem: \(problem)") }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record's checksum; exit non-zero naming each damaged place.")
        @OptionGroup var options: LogOptions

        func run() throws {
            let progress = ProgressLine()
            let report = try EventLog.verify(directory: options.directory()) { checked, total in
                progress.update("verifying the log", done: Int(checked >> 10), total: Int(total >> 10), unit: "KiB")
            }
            progress.finish()
            if options.site.json {
                Output.printJSON([
                    "clean": .bool(report.isClean), "segments": .int(Int64(report.segmentsChecked)),
                    "records": .int(Int64(report.recordsChecked)), "bytes": .int(Int64(report.bytesChecked)),
                    "problems": .array(report.problems.map(LogCommand.problemJSON)),
                    "notes": .array(report.notes.map(JSON.string)),
                ])
            } else {
                print("checked \(report.recordsChecked) records in \(report.segmentsChecked) segments (\(report.bytesChecked) bytes)")
                for note in report.notes { print("note: \(note)") }
                for problem in report.problems {
                    FileHandle.standardError.write(Data("damage: \(problem)\n".utf8))
                }
            }
            if !report.isClean {
                throw CLIError("log verification found \(report.problems.count) damaged place(s)")
            }
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Truncate a torn tail of the active segment.")
        @OptionGroup var options: LogOptions

        func run() throws {
            let report = try EventLog.recover(directory: options.directory())
            if options.site.json {
                Output.printJSON(["report": .string(report.description)])
            } else {
                print(report.description)
            }
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The entries, oldest first from a cursor.")
        @OptionGroup var options: LogOptions
        @Option(help: "Start after this cursor (SEGMENT:OFFSET); default: the first entry.") var after: String?
        @Option(help: "At most this many entries (0: all).") var limit: Int = 100

        func run() async throws {
            var cursor: LogCursor?
            if let after, !after.isEmpty {
                guard let parsed = LogCursor(string: after) else {
                    throw ValidationError("--after must be a cursor SEGMENT:OFFSET as printed by log tail, got '\(after)'")
                }
                cursor = parsed
            }
            if options.log == nil, let server = try StreamSession.server(options.site) {
                try await tailThroughServer(server, after: cursor)
                return
            }
            let log = try EventLog(directory: options.directory(), configuration: .init(createIfMissing: false), logger: CLILogging.logger())
            defer { try? log.close() }
            var entries: [JSON] = []
            var shown = 0
            while limit == 0 || shown < limit {
                let batch = try log.read(after: cursor, maxEntries: 1, maxBytes: 1 << 20)
                guard batch.count > 0, let record = try batch.records().first else { break }
                cursor = batch.next
                shown += 1
                let entry = LogCommand.entryJSON(record, cursor: batch.next)
                if options.site.json {
                    entries.append(entry)
                } else {
                    print("\(record.sequence)  \(batch.next)  \(record.updateType)  \(record.doctype)  \(record.docname)  \(String(decoding: record.payload.prefix(200), as: UTF8.self))")
                }
            }
            if options.site.json { Output.printJSON(.array(entries)) }
        }

        /// While a server holds the log: its raw log (`GET /api/stream/updates`, the
        /// Administrator's view), page by page, the entries as the stream's JSON gives them.
        func tailThroughServer(_ server: RemoteDocumentClient, after start: LogCursor?) async throws {
            var cursor = start?.description ?? ""
            var entries: [JSON] = []
            while limit == 0 || entries.count < limit {
                let page = limit == 0 ? 1_000 : min(1_000, limit - entries.count)
                let reply = try await server.call("GET", "/api/stream/updates?after=\(cursor)&max_entries=\(page)", body: nil)
                let batch = reply["entries"]?.arrayValue ?? []
                for entry in batch {
                    if !options.site.json {
                        let data = entry["data"].map { String(decoding: $0.serialized().prefix(200), as: UTF8.self) } ?? ""
                        print("\(entry["seq"]?.intValue ?? 0)  \(entry["cursor"]?.stringValue ?? "")  \(entry["update_type"]?.stringValue ?? "")  \(entry["ref_doctype"]?.stringValue ?? "")  \(entry["docname"]?.stringValue ?? "")  \(data)")
                    }
                }
                entries += batch
                guard let next = reply["next"]?.stringValue, !batch.isEmpty, reply["caught_up"]?.boolValue != true else { break }
                cursor = next
            }
            if options.site.json { Output.printJSON(.array(entries)) }
        }
    }

    static func entryJSON(_ record: LogRecord, cursor: LogCursor) -> JSON {
        let data = (try? JSON(parsing: record.payload)) ?? .string(String(decoding: record.payload, as: UTF8.self))
        return [
            "seq": .int(Int64(record.sequence)), "cursor": .string(cursor.description),
            "update_type": .string(record.updateType.description), "ref_doctype": .string(record.doctype),
            "docname": .string(record.docname), "data": data, "creation": .int(record.timestamp),
        ]
    }

    static func problemJSON(_ p: LogProblem) -> JSON {
        ["kind": .string(p.kind.rawValue), "segment": .string(p.segmentFile), "offset": .int(Int64(p.offset)),
         "sequence": .int(Int64(p.sequence)), "reason": .string(p.reason)]
    }
}
