import DocumentModel
import EventLog
import Site
import SiteStreamJSON

extension StreamConsumer {
    /// What one pull did.
    public struct PullReport: Sendable, Equatable {
        /// Updates replies received and records in them.
        public var batches = 0
        public var received = 0
        /// Records replayed, skipped (already applied, or for a DocType no longer subscribed),
        /// and failed (each recorded as an `Event Sync Log` document: `Failed`, or `Waiting`
        /// behind an earlier failure of the same document).
        public var synced = 0
        public var skipped = 0
        public var failed = 0
        /// Of `failed`, the records of documents already parked, kept as `Waiting` entries.
        public var waiting = 0
        /// Where the next pull starts.
        public var cursor: LogCursor?
        /// The producer's last sequence in the last reply.
        public var producerLastSequence: UInt64 = 0
        /// The automatic retries of parked documents made at the start of the pull.
        public var retries = ResyncReport()
        /// The backfills the pull ran (DocTypes marked for one and approved by now).
        public var backfill = BackfillReport()

        public init() {}

        public mutating func add(_ other: PullReport) {
            batches += other.batches
            received += other.received
            synced += other.synced
            skipped += other.skipped
            failed += other.failed
            waiting += other.waiting
            cursor = other.cursor ?? cursor
            producerLastSequence = max(producerLastSequence, other.producerLastSequence)
            retries.add(other.retries)
            backfill.add(other.backfill)
        }
    }

    /// Pulls from `producer` (name or site id) until caught up, replaying every record.
    ///
    /// Each record is verified with its whole reply before anything of the reply is applied
    /// (a reply that fails verification throws `.integrity`: nothing applied, nothing moved),
    /// then replayed in a transaction whose log entries carry the records' origins and whose
    /// last entry carries the producer's cursor after its last record, so the watermark moves
    /// in the same write. Consecutive records that need nothing but the site share one
    /// transaction (`replayBatch`); the others have one each (`replay`). A record
    /// whose replay fails is recorded in an `Event Sync Log` document (that write moves the
    /// watermark past it), its document is parked (later records of it are kept as `Waiting`
    /// entries, in order) and the pull goes on. Parked documents whose automatic retry is due
    /// (`RetryPolicy`) are retried first. Transport errors stop the pull; the next one
    /// resumes from the watermark. A second pull from the same producer while one runs is
    /// refused (`.conflict`); `PullLoop` joins them instead.
    ///
    /// `progress` is told of each record once its outcome is committed (for progress bars),
    /// with the producer's last sequence number.
    @discardableResult
    public func pull(producer nameOrID: String, client: any ProducerClient,
                     maxEntries: Int = PullBatchLimits.maxEntries, maxBytes: Int = PullBatchLimits.maxBytes,
                     progress: (@Sendable (_ sequence: UInt64, _ outcome: ReplayOutcome, _ producerLastSequence: UInt64) -> Void)? = nil) async throws -> PullReport {
        var configuration = try producer(nameOrID)
        guard let watermark = try site.streamWatermark(producer: configuration.siteID) else {
            throw StreamError(.notFound, "producer \(configuration.name) has no watermark on \(site.identity.name); subscribe first")
        }
        let claimed = pulling.withLock { $0.insert(configuration.siteID).inserted }
        guard claimed else {
            throw StreamError(.conflict, "a pull from \(configuration.name) is already running on \(site.identity.name); one pull per producer at a time")
        }
        defer { _ = pulling.withLock { $0.remove(configuration.siteID) } }
        var cursor = watermark.cursor
        if let remembered = positions.withLock({ $0[configuration.siteID] }), remembered > cursor { cursor = remembered }
        var report = PullReport()
        // Parked documents whose retry is due go first, so their waiting records are applied
        // before newer ones of the same document arrive.
        report.retries = try await retryDue(configuration: configuration, client: client)
        // Marked backfills of approved DocTypes go before the stream, which then continues
        // from the watermark (StreamConsumer+Backfill.swift).
        if configuration.rows.contains(where: { $0.backfill && !$0.unsubscribed && $0.status == .approved }) {
            report.backfill.add(try await runBackfills(configuration: configuration, client: client))
            configuration = try producer(configuration.name)
            if let moved = positions.withLock({ $0[configuration.siteID] }), moved > cursor { cursor = moved }
        }
        // The next replies are fetched and verified while this one is replayed: where each
        // starts (`reply.next`) does not depend on the replay. Two replies ahead at most
        // (`ReplyPrefetch`); dropped unread when the pull ends early, and their errors surface
        // only when the loop gets to them, after everything before them is applied. The
        // fetching tasks also parse the payloads (`ParsedPayload`), so the replay of this
        // reply and the parsing of the next ones run on both cores.
        let consumerName = site.identity.name
        var prefetch = ReplyPrefetch(depth: 2) { after in
            let (reply, records) = try await client.verifiedUpdates(consumer: consumerName, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
            return (reply, records, records.map(ParsedPayload.init))
        }
        defer { prefetch.cancel() }
        // A reply's writes are waited for after the next reply is replayed, not before: the
        // log acknowledges in queue order, so they are durable by then at no cost, and the
        // replay does not stand still for a group commit after every reply. A record is
        // counted, reported and remembered only once its write is durable.
        var unconfirmed: RepliedWrites?
        // Links are checked before replaying only after a record lacked a target
        // (`replayBatch`), until a whole reply lacks none: a catch-up fetches the few masters
        // it lacks at its start, and its records then pay for no second lookup of every link.
        var checkingLinks = false
        func confirm() async throws {
            guard let writes = unconfirmed else { return }
            unconfirmed = nil
            for acknowledgement in writes.acknowledgements { try await acknowledgement.wait() }
            for (sequence, outcome, waiting) in writes.outcomes {
                switch outcome {
                case .synced: report.synced += 1
                case .skipped: report.skipped += 1
                case .failed: report.failed += 1
                }
                if waiting { report.waiting += 1 }
                metrics.replayed(producer: configuration.name, outcome: outcome.rawValue)
                progress?(sequence, outcome, writes.lastSequence)
            }
            remember(writes.replayed, producer: configuration.siteID)
            remember(writes.next, producer: configuration.siteID)
        }
        do {
            while true {
                let (reply, records, parsed) = try await prefetch.reply(at: cursor)
                prefetch.fill(after: reply, startedAt: cursor)
                report.batches += 1
                report.received += records.count
                report.producerLastSequence = reply.lastSequence
                if try await refreshStatuses(reply.statuses, of: configuration) {
                    configuration = try producer(configuration.name)
                }
                var acknowledgements: [WriteAcknowledgement] = []
                var outcomes: [(UInt64, ReplayOutcome, Bool)] = []
                var replayed = cursor
                // Runs of records that need nothing but the site share one transaction
                // (StreamConsumer+BatchReplay.swift); the others go one by one through `replay`.
                let run: [ReplayItem] = records.indices.map { ReplayItem(cursor: reply.entries[$0].cursor, record: records[$0], parsed: parsed[$0]) }
                let mappings = loadMappings(configuration)
                var index = 0
                var missedLinkTarget = false
                while index < run.count {
                    let batch = try replayBatch(run[index..<min(index + Self.maxRecordsPerTransaction, run.count)],
                                                configuration: configuration, mappings: mappings, checkingLinks: checkingLinks)
                    if batch.missedLinkTarget { (checkingLinks, missedLinkTarget) = (true, true) }
                    if let acknowledgement = batch.acknowledgement { acknowledgements.append(acknowledgement) }
                    for (offset, outcome) in batch.outcomes.enumerated() { outcomes.append((run[index + offset].record.sequence, outcome, false)) }
                    index += batch.outcomes.count
                    guard batch.outcomes.isEmpty, index < run.count else { continue }
                    // The single-record path reads the site directly (dependencies, parking).
                    site.settleDeferredWrites()
                    let (after, record) = (run[index].cursor, run[index].record)
                    let (outcome, acknowledgement, waiting) = try await replay(record, cursorAfter: after, configuration: configuration, client: client)
                    if let acknowledgement { acknowledgements.append(acknowledgement) }
                    outcomes.append((record.sequence, outcome, waiting))
                    index += 1
                }
                if !missedLinkTarget { checkingLinks = false }
                if let last = run.last { replayed = last.cursor }
                // The previous reply's writes, queued before these, are durable once waited for.
                try await confirm()
                unconfirmed = RepliedWrites(acknowledgements: acknowledgements, outcomes: outcomes, lastSequence: reply.lastSequence,
                                            replayed: replayed, next: reply.next)
                let moved = reply.next != replayed
                cursor = reply.next
                if reply.caughtUp || (records.isEmpty && !moved) {
                    site.settleDeferredWrites()
                    try await confirm()
                    // A DocType approved during this pull may have a backfill waiting: run it, then
                    // stream on from where it leaves the watermark.
                    guard configuration.rows.contains(where: { $0.backfill && !$0.unsubscribed && $0.status == .approved }) else { break }
                    let ran = try await runBackfills(configuration: configuration, client: client)
                    report.backfill.add(ran)
                    configuration = try producer(configuration.name)
                    guard !ran.completed.isEmpty else { break }
                    if let moved = positions.withLock({ $0[configuration.siteID] }), moved > cursor { cursor = moved }
                }
            }
        } catch {
            // What was replayed before the failure is reported once durable, as before.
            site.settleDeferredWrites()
            try? await confirm()
            throw error
        }
        site.settleDeferredWrites()
        try await confirm()
        report.cursor = cursor
        return report
    }

    /// One reply's replay writes, queued and not yet waited for: their acknowledgements, each
    /// record's sequence and outcome (and whether it waits behind a parked one), the
    /// producer's last sequence the reply told, and the cursors to remember once durable.
    struct RepliedWrites {
        var acknowledgements: [WriteAcknowledgement]
        var outcomes: [(UInt64, ReplayOutcome, Bool)]
        var lastSequence: UInt64
        var replayed: LogCursor
        var next: LogCursor
    }

    /// The most records one replay transaction takes: bounds how long the site's writer is
    /// held, and what a failing record makes the records before it redo.
    static let maxRecordsPerTransaction = 256

    func remember(_ cursor: LogCursor, producer: String) {
        positions.withLock { positions in
            if let known = positions[producer], known >= cursor { return }
            positions[producer] = cursor
        }
    }

    /// Copies the producer's approval of each DocType into the `Event Producer` rows, so the
    /// consumer sees it. Writes only when something changed; returns whether it did.
    func refreshStatuses(_ statuses: [DocTypeRegistration], of configuration: ProducerConfiguration) async throws -> Bool {
        let changed = statuses.contains { s in configuration.rows.contains { $0.doctype == s.doctype && $0.status != s.status } }
        guard changed else { return false }
        let byDocType = Dictionary(statuses.map { ($0.doctype, $0.status) }, uniquingKeysWith: { a, _ in a })
        try await site.write(as: configuration.user) { tx in
            guard var document = try tx.get(SystemDocTypes.eventProducer, configuration.name) else { return }
            var rows = document.rows(of: "producer_doctypes")
            for i in rows.indices {
                if let doctype = rows[i]["ref_doctype"]?.stringValue, let status = byDocType[doctype] {
                    rows[i]["status"] = .string(status.rawValue)
                }
            }
            document.setRows(rows, of: "producer_doctypes")
            try tx.save(document)
        }
        return true
    }
}
