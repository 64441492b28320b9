import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Synchronization

/// What one consumer may see, decided entry by entry: approval, no echo, the DocType's
/// condition, and access that changes (docs/streaming.md, "Conditions" and "Access that
/// changes"). The one place these rules live: pulls (`updates`) use it, and so may anything
/// else that hands a consumer log entries (bundles).
///
/// An entry of a DocType with a condition is kept as it is while the document stays visible;
/// a document that becomes visible (or whose copy the consumer may hold stale) is sent as its
/// current state, one Create-like *grant* record; one that stops being visible is sent as a
/// *revoke* record (the consumer's `on_revoke` decides what that does); one whose condition
/// throws is withheld and retried on every later request.
struct ConsumerFilter {
    enum Verdict {
        case skip
        case keep
        /// Send this frame instead of the entry (a grant or a revoke).
        case replace([UInt8])
    }

    let producer: StreamProducer
    let record: StreamProducer.ConsumerRecord
    let approved: Set<String>
    /// Per approved DocType with a condition: the parsed condition, or why it does not parse
    /// (a hand-edited row; evaluating it fails, so its entries are withheld and shown).
    let conditions: [String: Result<Condition, StreamError>]
    let journal: AccessJournal?
    /// The producer's last sequence before any document was read for this request.
    let asOf: UInt64

    var site: Site { producer.site }

    /// Evaluates `doctype`'s condition on `document`; nil when the DocType has none.
    func evaluate(_ doctype: String, _ document: JSONObject, entry: ConditionEntry?) -> Result<Bool, ConditionError>? {
        guard let condition = conditions[doctype] else { return nil }
        switch condition {
        case .failure(let error): return .failure(ConditionError(error.message))
        case .success(let condition):
            do {
                return .success(try condition.evaluate(document, context: ConditionContext(consumer: record, entry: entry)))
            } catch let error as ConditionError {
                return .failure(error)
            } catch {
                return .failure(ConditionError("\(error)"))
            }
        }
    }

    /// The document the verified Create at `offset` of `bytes` creates, as `condition` needs
    /// it: only the fields it reads, scanned out of the payload where it lies, when it reads
    /// nothing else and the payload is stored undeflated (most records; `JSONFieldScan`);
    /// otherwise the whole payload parsed. nil when the payload is not a JSON object.
    static func created(_ condition: Condition?, frame bytes: [UInt8], offset: Int) throws -> JSONObject? {
        if let scan = condition?.fieldScan, let scanned = FramePeek.scanPayload(bytes[offset...], with: scan) {
            return scanned
        }
        let frame = try RecordFrame.decode(bytes, at: offset).record
        return try? JSON(parsing: frame.payload).objectValue
    }

    /// The verdict on one verified frame of the log (`peek` at `offset` of `bytes`), whose
    /// cursor-after is `cursor`.
    func decide(_ peek: FramePeek, bytes: [UInt8], offset: Int, cursor: LogCursor) throws -> Verdict {
        guard approved.contains(peek.doctype), peek.originSite != record.siteID else { return .skip }
        let key = AccessKey(doctype: peek.doctype, docname: peek.docname)
        let state = journal?[key]
        let hasCondition = conditions[peek.doctype] != nil
        guard hasCondition || state != nil, let journal else { return .keep }
        guard let type = UpdateType(rawValue: peek.updateType) else { return .keep }
        if type == .delete {
            // A Delete always goes (a consumer without the document ignores it), and ends
            // what the journal knew of the document.
            journal.decide(key, nil, at: cursor)
            return .keep
        }
        let entry = ConditionEntry(sequence: peek.sequence, updateType: type, doctype: peek.doctype, docname: peek.docname)
        var current: Document?
        let document: JSONObject
        if type == .create {
            // As Frappe decides it: a Create by the document it creates.
            let condition = try? conditions[peek.doctype]?.get()
            guard let object = try Self.created(condition, frame: bytes, offset: offset) else { return .skip }
            document = object
        } else {
            // An Update or Cancel by the document as it stands now; gone since: its Delete follows.
            guard let now = try site.get(peek.doctype, peek.docname) else { return .skip }
            current = now
            document = now.object
        }
        let verdict = evaluate(peek.doctype, document, entry: entry) ?? .success(true)
        let held = state?.verdict == .granted || (state?.verdict == .failing && state?.wasGranted == true)
        switch verdict {
        case .success(true):
            let granted = AccessState(verdict: .granted, cursor: cursor, sequence: peek.sequence)
            if state?.verdict == .granted {
                if !hasCondition { journal.decide(key, nil, at: cursor) }
                return .keep
            }
            journal.decide(key, hasCondition ? granted : nil, at: cursor)
            if type == .create { return .keep }
            // Visible now, and the consumer's copy (if any) may lack what was withheld: its
            // current state instead of the change.
            return .replace(try grantFrame(current!, sequence: peek.sequence))
        case .success(false):
            if held {
                journal.decide(key, AccessState(verdict: .revoked, cursor: cursor, sequence: peek.sequence), at: cursor)
                return .replace(try revokeFrame(key, sequence: peek.sequence))
            }
            // Hidden and never held (or the failure resolved to hidden): nothing to remember.
            if state?.verdict == .failing { journal.decide(key, nil, at: cursor) }
            return .skip
        case .failure(let error):
            journal.decide(key, AccessState(verdict: .failing, cursor: cursor, sequence: peek.sequence, wasGranted: held, error: error.message),
                           at: cursor)
            producer.logger.warning("condition failed; entry withheld", metadata: [
                "consumer": "\(record.name)", "doctype": "\(peek.doctype)", "docname": "\(peek.docname)",
                "sequence": "\(peek.sequence)", "error": "\(error.message)"])
            return .skip
        }
    }

    /// Retries the documents whose condition failed, at the start of a request from `after`:
    /// one that still fails stays; one that now evaluates is decided, and the first such that
    /// the consumer must be told of (a grant, or a revoke of a copy it holds) is returned as a
    /// record at `after` itself, ahead of the reply's entries (the consumer's watermark stays
    /// where it is; the decision counts once the consumer moves past this reply).
    func retryFailing(after: LogCursor) throws -> (frame: [UInt8], cursor: LogCursor)? {
        guard let journal else { return nil }
        if let pending = journal.pendingRetry, pending.cursor == after { return (pending.frame, pending.cursor) }
        func pending(_ frame: [UInt8]) -> (frame: [UInt8], cursor: LogCursor) {
            journal.setPendingRetry(frame, at: after)
            return (frame, after)
        }
        for (key, state) in journal.failing.prefix(StreamProducer.retriesPerRequest) {
            guard let document = try site.get(key.doctype, key.docname), approved.contains(key.doctype) else {
                journal.decide(key, nil, at: after, retry: true)
                continue
            }
            let entry = ConditionEntry(sequence: state.sequence, updateType: .update, doctype: key.doctype, docname: key.docname)
            switch evaluate(key.doctype, document.object, entry: entry) ?? .success(true) {
            case .failure(let error):
                if error.message != state.error {
                    var updated = state
                    updated.error = error.message
                    journal.decide(key, updated, at: state.cursor)
                }
            case .success(true):
                journal.decide(key, AccessState(verdict: .granted, cursor: after, sequence: state.sequence, retry: true), at: after, retry: true)
                return pending(try grantFrame(document, sequence: state.sequence))
            case .success(false):
                if state.wasGranted {
                    journal.decide(key, AccessState(verdict: .revoked, cursor: after, sequence: state.sequence, retry: true), at: after, retry: true)
                    return pending(try revokeFrame(key, sequence: state.sequence))
                }
                journal.decide(key, nil, at: after, retry: true)
            }
        }
        return nil
    }

    /// A Create-like record carrying `document`'s current state (secrets left out), marked
    /// as a grant with the sequence the state reflects at least (`as_of`).
    func grantFrame(_ document: Document, sequence: UInt64) throws -> [UInt8] {
        let payload = producer.withoutSecrets(document).json.serialized()
        return try RecordFrame.encode(EntryDraft(updateType: .create, doctype: document.doctype, docname: document.name ?? "",
                                                 annotations: AccessMark.grant(asOf: max(asOf, sequence)).encoded(), payload: payload),
                                      sequence: sequence)
    }

    /// A Delete-like record marked as a revoke: the consumer may no longer see the document.
    func revokeFrame(_ key: AccessKey, sequence: UInt64) throws -> [UInt8] {
        try RecordFrame.encode(EntryDraft(updateType: .delete, doctype: key.doctype, docname: key.docname,
                                          annotations: AccessMark.revoke(asOf: max(asOf, sequence)).encoded(), payload: Array("{}".utf8)),
                               sequence: sequence)
    }
}

/// The mark on a record the producer made for one consumer rather than copied from its log,
/// in the record's annotations: `{"access": "grant"|"revoke", "as_of": N}`.
/// docs/formats/streaming.md.
public enum AccessMark: Equatable, Sendable {
    /// The document's current state, reflecting at least every change up to `asOf`.
    case grant(asOf: UInt64)
    /// The consumer may no longer see the document (as of `asOf`).
    case revoke(asOf: UInt64)

    func encoded() -> [UInt8] {
        switch self {
        case .grant(let n): JSON.object(["access": "grant", "as_of": .int(Int64(bitPattern: n))]).serialized()
        case .revoke(let n): JSON.object(["access": "revoke", "as_of": .int(Int64(bitPattern: n))]).serialized()
        }
    }

    /// The mark in a record's annotations, if it has one.
    public init?(annotations: [UInt8]) {
        guard annotations.count > 10, annotations.count < 256, let json = try? JSON(parsing: annotations),
              let kind = json["access"]?.stringValue else { return nil }
        let asOf = UInt64(bitPattern: json["as_of"]?.intValue ?? 0)
        switch kind {
        case "grant": self = .grant(asOf: asOf)
        case "revoke": self = .revoke(asOf: asOf)
        default: return nil
        }
    }

    public var isGrant: Bool { if case .grant = self { true } else { false } }

    public var asOf: UInt64 {
        switch self {
        case .grant(let n), .revoke(let n): n
        }
    }
}

/// The access journals of a producer's consumers, each behind its own lock, loaded on first use.
final class AccessJournals: Sendable {
    let directory: URL
    private let slots = Mutex<[String: Slot]>([:])

    final class Slot: Sendable {
        // @unchecked-free: the journal is only touched inside `lock`.
        let lock = Mutex<JournalBox>(JournalBox())
    }

    struct JournalBox: @unchecked Sendable {
        // @unchecked: an AccessJournal is only reached through its slot's Mutex.
        var journal: AccessJournal?
    }

    init(directory: URL) { self.directory = directory }

    func file(consumerID: String) -> URL {
        let safe = String(consumerID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return directory.appendingPathComponent("\(safe).jsonl")
    }

    /// Whether the consumer has journal state on disk or in memory.
    func exists(consumerID: String) -> Bool {
        if slots.withLock({ $0[consumerID] }) != nil { return true }
        return FileManager.default.fileExists(atPath: file(consumerID: consumerID).path)
    }

    /// Runs `body` with the consumer's journal, holding its lock for the whole call.
    func with<T>(consumerID: String, _ body: (AccessJournal) throws -> T) throws -> T {
        let slot = slots.withLock { slots in
            if let slot = slots[consumerID] { return slot }
            let slot = Slot()
            slots[consumerID] = slot
            return slot
        }
        return try slot.lock.withLock { box in
            if box.journal == nil { box.journal = try AccessJournal(file: file(consumerID: consumerID)) }
            return try body(box.journal!)
        }
    }
}
