import Foundation
import SiteStreamJSON

/// A group that can write what it measures as files (`sitestream bench --emit-workload DIR`).
///
/// Each group's workload goes under `DIR/<group>/`: JSON-lines files (one JSON value a line)
/// and a `manifest.json` that says what each file holds, how many items the measurement used
/// and how many the file has, and the seeds and rules behind them. Everything is seeded, so two
/// runs with the same options write the same bytes. The layout is described in the README
/// ("Benchmarks").
///
/// The runner calls `emitWorkload` after the group's own run, with the same context, so the
/// sizes are the ones just measured (`--quick`, `--smoke` or full).
protocol WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws
}

/// Writes one group's workload files and its manifest.
struct WorkloadFiles {
    /// At most this many lines per file. Large backlogs (a million Customers) follow a rule
    /// with the item's number in it; the manifest gives the rule and the measured count, and
    /// the file holds the first items so the rule can be checked against them.
    static let maxLines = 10_000

    let directory: URL
    let group: String
    private var entries: [JSON] = []
    private var notes: JSONObject = [:]

    init(root: URL, group: String) throws {
        self.group = group
        directory = root.appendingPathComponent(group, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes `file` with `line(i)` for i in 0..<min(count, maxLines), and records it in the
    /// manifest: `what` it holds and `count`, how many the measurement used.
    mutating func writeLines(_ file: String, what: String, count: Int, _ line: (Int) throws -> JSON) throws {
        let written = min(count, Self.maxLines)
        var bytes: [UInt8] = []
        for i in 0..<written {
            try line(i).serialize(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        try Data(bytes).write(to: directory.appendingPathComponent(file))
        record(file, what: what, count: count, written: written)
    }

    /// Records a file the group wrote itself (the json and diff groups write theirs while
    /// they run).
    mutating func record(_ file: String, what: String, count: Int, written: Int? = nil) {
        var entry: JSONObject = ["file": .string(file), "what": .string(what), "measured": .int(Int64(count))]
        entry["written"] = .int(Int64(written ?? count))
        entries.append(.object(entry))
    }

    /// A note for the manifest: a seed, a rule, how the operations are driven.
    mutating func note(_ key: String, _ value: JSON) {
        notes[key] = value
    }

    /// Writes `manifest.json`.
    func finish(description: String, quick: Bool, smoke: Bool) throws {
        var manifest: JSONObject = [
            "group": .string(group), "description": .string(description),
            "scale": .string(smoke ? "smoke" : quick ? "quick" : "full"),
            "files": .array(entries),
        ]
        if !notes.isEmpty { manifest["notes"] = .object(notes) }
        var bytes: [UInt8] = []
        JSON.object(manifest).serialize(into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        try Data(bytes).write(to: directory.appendingPathComponent("manifest.json"))
    }
}

extension BenchRunner {
    /// Lets `group` write its workload under `root` and checks that it did: with
    /// `--emit-workload` every group must leave a manifest (a group that cannot say what it
    /// measured is a bug in the harness, not something to skip quietly).
    static func emitWorkload(of group: any BenchmarkGroup, _ context: BenchContext, under root: URL) throws {
        guard let emitter = group as? any WorkloadEmitting else {
            throw BenchError("bench: group \(group.name) cannot write its workload (--emit-workload)")
        }
        var files = try WorkloadFiles(root: root, group: group.name)
        try emitter.emitWorkload(context, into: &files)
        guard FileManager.default.fileExists(atPath: files.directory.appendingPathComponent("manifest.json").path) else {
            throw BenchError("bench: group \(group.name) wrote no manifest.json for --emit-workload")
        }
    }
}

// The Customers of the streaming backlogs (`stream`, `catchup`, `offline`): number `i`, ~0.6 KB,
// one Link to the Customer Group "Retail". Those groups build the same document inline; this
// writes that document for the workload files.
extension WorkloadFiles {
    /// Writes `backlog.jsonl` and its rule. `alternatingTypes`: customer_type Individual for
    /// even i and Company for odd (the `stream` group's condition passes half); else Company.
    mutating func writeBacklog(count: Int, alternatingTypes: Bool, what: String) throws {
        try writeLines("backlog.jsonl", what: what, count: count) { i in
            [
                "doctype": "Customer", "customer_name": .string("Customer \(i)"),
                "customer_type": alternatingTypes && i % 2 == 0 ? "Individual" : "Company",
                "customer_group": "Retail", "email_id": .string("c\(i)@example.com"),
                "customer_details": .string(String(repeating: "d", count: 300)),
            ]
        }
        let types = alternatingTypes ? "Individual for even i, Company for odd" : "Company"
        note("backlog_rule", .string(#"{"doctype": "Customer", "customer_name": "Customer <i>", "customer_type": <type>, "customer_group": "Retail", "email_id": "c<i>@example.com", "customer_details": "d" × 300}, i = 0, 1, …; type: "# + types))
    }
}
