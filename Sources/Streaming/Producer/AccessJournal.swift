import EventLog
import Foundation
import SiteStreamJSON

/// A producer's document, as the access journal keys it.
struct AccessKey: Hashable, Sendable {
    var doctype: String
    var docname: String
}

/// What the producer last told one consumer about one document of a DocType with a condition.
struct AccessState: Equatable, Sendable {
    enum Verdict: String, Sendable {
        /// The consumer was sent the document (its Create, or its current state as a grant).
        case granted
        /// The document stopped satisfying the condition; the consumer was sent a revoke.
        case revoked
        /// The condition threw for it: its entries are withheld and it is retried on every
        /// later request until it evaluates.
        case failing
    }

    var verdict: Verdict
    /// Where the decision was made: the cursor after the entry it was made on, or (for a
    /// retry) the `after` of the request that made it.
    var cursor: LogCursor
    /// The sequence of the entry the decision was made on.
    var sequence: UInt64
    /// For `failing`: whether the consumer held a granted copy when it started failing.
    var wasGranted = false
    var error: String?
    /// A grant or revoke made by a retry at the request's own position: it only counts once a
    /// later request starts strictly after `cursor` (the consumer moved past the reply).
    var retry = false
}

/// Per consumer, the access decisions that change what the consumer holds (docs/streaming.md,
/// "Access that changes"): documents granted, revoked, and failing. Decisions made while
/// serving a reply count only once the consumer asks again from a cursor past them; a request
/// from an earlier cursor (the consumer did not apply the reply) first undoes them, so the
/// same entries are decided afresh. Kept in memory and in an append-only file of JSON lines
/// (`stream-access/<consumer site id>.jsonl`, last line per document wins), rewritten when
/// most of it is superseded.
///
/// Not thread-safe: `StreamProducer` holds each journal in a `Mutex` for a whole request.
final class AccessJournal {
    let file: URL
    private(set) var states: [AccessKey: AccessState] = [:]
    /// Decisions since the last request, oldest first, with the state each replaced.
    private var undo: [(key: AccessKey, previous: AccessState?, cursor: LogCursor, retry: Bool)] = []
    private var pending: [UInt8] = []
    private var lines = 0

    init(file: URL) throws {
        self.file = file
        guard let data = FileManager.default.contents(atPath: file.path) else { return }
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            lines += 1
            // A torn last line (crash mid-append) is ignored: its decision was never confirmed.
            guard let json = try? JSON(parsing: Array(line)), let doctype = json["d"]?.stringValue,
                  let docname = json["n"]?.stringValue else { continue }
            let key = AccessKey(doctype: doctype, docname: docname)
            if let state = Self.state(json) { states[key] = state } else { states[key] = nil }
        }
        failingKeys = Set(states.filter { $0.value.verdict == .failing }.map(\.key))
    }

    /// The documents whose condition failed, kept apart so a request need not walk them all.
    private var failingKeys = Set<AccessKey>()

    /// The failing documents, oldest failure first.
    var failing: [(AccessKey, AccessState)] {
        failingKeys.compactMap { key in states[key].map { (key, $0) } }
            .sorted { ($0.1.sequence, $0.0.docname) < ($1.1.sequence, $1.0.docname) }
    }

    subscript(key: AccessKey) -> AccessState? { states[key] }

    /// The record a retry sent at `cursor` (a request's own `after`): sent again, unchanged,
    /// while the consumer keeps asking from that cursor (it cannot say whether it applied
    /// it; the same record twice is harmless, the grant's `as_of` makes the second a no-op),
    /// dropped once it asks from further on.
    private(set) var pendingRetry: (cursor: LogCursor, frame: [UInt8])?

    /// Starts a request from `after`: undoes the decisions the consumer cannot have applied
    /// (made after `after`), and confirms the rest.
    func begin(after: LogCursor) {
        while let last = undo.last, last.cursor > after {
            undo.removeLast()
            set(last.key, last.previous)
        }
        undo.removeAll(keepingCapacity: true)
        if let pending = pendingRetry, pending.cursor != after { pendingRetry = nil }
    }

    func setPendingRetry(_ frame: [UInt8], at cursor: LogCursor) { pendingRetry = (cursor, frame) }

    /// Records a decision made at `cursor` (nil: forget the document, as after its Delete).
    func decide(_ key: AccessKey, _ state: AccessState?, at cursor: LogCursor, retry: Bool = false) {
        guard states[key] != state else { return }
        undo.append((key, states[key], cursor, retry))
        set(key, state)
    }

    private func set(_ key: AccessKey, _ state: AccessState?) {
        states[key] = state
        if state?.verdict == .failing { failingKeys.insert(key) } else if !failingKeys.isEmpty { failingKeys.remove(key) }
        Self.appendLine(key, state, to: &pending)
        lines += 1
    }

    /// Appends one line of the file: `{"d": doctype, "n": docname}` for a forgotten document,
    /// with `"v"` verdict, `"c"` cursor, `"s"` sequence, and `"g"`, `"r"`, `"e"` when set. Written
    /// field by field (strings escaped by the JSON serializer): one line per decision, and a
    /// filtered pull decides for every document it grants.
    static func appendLine(_ key: AccessKey, _ state: AccessState?, to out: inout [UInt8]) {
        func member(_ name: StaticString, first: Bool = false) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        member("d", first: true)
        JSON.string(key.doctype).serialize(into: &out)
        member("n")
        JSON.string(key.docname).serialize(into: &out)
        if let state {
            member("v")
            JSON.string(state.verdict.rawValue).serialize(into: &out)
            member("c")
            out.append(UInt8(ascii: "\""))
            appendDecimal(state.cursor.segment, to: &out)
            out.append(UInt8(ascii: ":"))
            appendDecimal(state.cursor.offset, to: &out)
            out.append(UInt8(ascii: "\""))
            member("s")
            // As the JSON value it always was: the sequence's bits as a signed integer.
            let sequence = Int64(bitPattern: state.sequence)
            if sequence < 0 { out.append(UInt8(ascii: "-")) }
            appendDecimal(sequence.magnitude, to: &out)
            if state.wasGranted {
                member("g")
                out.append(UInt8(ascii: "1"))
            }
            if state.retry {
                member("r")
                out.append(UInt8(ascii: "1"))
            }
            if let error = state.error {
                member("e")
                JSON.string(error).serialize(into: &out)
            }
        }
        out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }

    private static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        guard value >= 10 else {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendDecimal(value / 10, to: &out)
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    static func state(_ json: JSON) -> AccessState? {
        guard let verdict = json["v"]?.stringValue.flatMap(AccessState.Verdict.init(rawValue:)),
              let cursor = json["c"]?.stringValue.flatMap(LogCursor.init(string:)) else { return nil }
        return AccessState(verdict: verdict, cursor: cursor, sequence: UInt64(bitPattern: json["s"]?.intValue ?? 0),
                           wasGranted: json["g"]?.intValue == 1, error: json["e"]?.stringValue, retry: json["r"]?.intValue == 1)
    }

    /// Writes the decisions made so far, durably (fdatasync), before the reply that carries
    /// them leaves: a grant or revoke the consumer was sent is never forgotten by a crash.
    func flush() throws {
        if lines > 4 * states.count + 10_000 {
            try compact()
            return
        }
        guard !pending.isEmpty else { return }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StreamError(.invalidRequest, "cannot open the access journal \(file.path): errno \(errno)") }
        defer { close(fd) }
        let written = pending.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == pending.count, fdatasync(fd) == 0 else {
            throw StreamError(.invalidRequest, "cannot write the access journal \(file.path): errno \(errno)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Rewrites the file with one line per document (temp file, fdatasync, rename).
    func compact() throws {
        pending.removeAll()
        lines = 0
        let current = states
        states = [:]
        for (key, state) in current.sorted(by: { ($0.key.doctype, $0.key.docname) < ($1.key.doctype, $1.key.docname) }) {
            set(key, state)
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = file.appendingPathExtension("tmp")
        let fd = open(temporary.path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StreamError(.invalidRequest, "cannot write \(temporary.path): errno \(errno)") }
        let written = pending.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fdatasync(fd)
        close(fd)
        guard written == pending.count, synced == 0, rename(temporary.path, file.path) == 0 else {
            throw StreamError(.invalidRequest, "cannot replace the access journal \(file.path): errno \(errno)")
        }
        pending.removeAll(keepingCapacity: true)
    }
}
