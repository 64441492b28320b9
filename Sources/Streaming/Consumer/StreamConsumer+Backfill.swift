import DocumentModel
import EventLog
import Site
import SiteStreamJSON

extension StreamConsumer {
    /// What a backfill did.
    public struct BackfillReport: Sendable, Equatable {
        /// DocTypes whose backfill completed, and those still waiting for the producer's approval.
        public var completed: [String] = []
        public var waiting: [String] = []
        public var pages = 0
        /// Documents received, applied (inserted or brought up to date), already current, and
        /// failed (each parked with an Event Sync Log entry, as in the stream).
        public var received = 0
        public var synced = 0
        public var skipped = 0
        public var failed = 0
        /// Local copies removed because the producer no longer has them (only when the
        /// watermark had to be reset: see `watermarkReset`).
        public var removed = 0
        /// Where the watermark was moved to, when retention had removed the old one.
        public var watermarkReset: LogCursor?

        public init() {}

        public mutating func add(_ other: BackfillReport) {
            completed += other.completed
            waiting = other.waiting
            pages += other.pages
            received += other.received
            synced += other.synced
            skipped += other.skipped
            failed += other.failed
            removed += other.removed
            watermarkReset = other.watermarkReset ?? watermarkReset
        }
    }

    /// How many documents one backfill page asks for.
    static let backfillPageSize = 500

    /// Asks for a backfill of `doctypes` of `producer` (nil: every subscribed DocType) and runs
    /// it now for those the producer has approved; the others stay marked (the `backfill`
    /// check of their Event Producer rows) and are backfilled by the first pull after their
    /// approval. See `runBackfills`. Holds the producer's pull claim (`.conflict` while a pull
    /// runs). Throws `.notFound` for a DocType this site does not subscribe to.
    @discardableResult
    public func backfill(producer nameOrID: String, doctypes: [String]? = nil, client: any ProducerClient) async throws -> BackfillReport {
        let configuration = try producer(nameOrID)
        let subscribed = configuration.rows.filter { !$0.unsubscribed }.map(\.doctype)
        let chosen = doctypes ?? subscribed
        if let unknown = chosen.first(where: { !subscribed.contains($0) }) {
            throw StreamError(.notFound, "\(site.identity.name) does not subscribe to \(unknown) from \(configuration.name)", doctype: unknown)
        }
        try await setBackfill(chosen, of: configuration, to: true)
        return try await withPullClaim(configuration) {
            try await runBackfills(configuration: try producer(configuration.name), client: client)
        }
    }

    /// Runs the backfills marked on the producer's rows, DocType by DocType, page by page
    /// (`BackfillRequest`): each document is replayed as its own queued transaction (inserted,
    /// or the local copy brought to the producer's version), with its replica sequence set to
    /// the page's `as_of`, so the stream records it already reflects are skipped and later
    /// ones apply on top. Documents that fail are parked as in the stream. A DocType the
    /// producer has not approved yet stays marked. One write then clears the marks of the
    /// completed DocTypes.
    ///
    /// When the watermark lies before the producer's log start (retention removed it), that
    /// same write moves the watermark to the earliest cut of the completed DocTypes, and, page
    /// by page, the local copies in the page's name range that it did not bring (replicas of
    /// this producer older than the cut: deleted on the producer in the gap, or no longer
    /// visible) are removed. (Only for DocTypes kept under the producer's names; a renamed
    /// DocType's stale copies are kept.)
    /// Transport failures stop the backfill with nothing marked done; running it again is
    /// harmless (already current documents are skipped).
    func runBackfills(configuration: ProducerConfiguration, client: any ProducerClient) async throws -> BackfillReport {
        var report = BackfillReport()
        let pending = configuration.rows.filter { $0.backfill && !$0.unsubscribed }
        guard !pending.isEmpty else { return report }
        let watermark = try site.streamWatermark(producer: configuration.siteID)
        var cuts: [(cursor: LogCursor, sequence: UInt64)] = []
        var watermarkGone = false
        for row in pending {
            guard let (cut, gone) = try await backfill(row, configuration: configuration, client: client, watermark: watermark, report: &report) else {
                report.waiting.append(row.doctype)
                continue
            }
            cuts.append(cut)
            watermarkGone = watermarkGone || gone
            report.completed.append(row.doctype)
        }
        guard !report.completed.isEmpty else { return report }
        let reset = watermarkGone ? cuts.min { $0.sequence < $1.sequence } : nil
        let completed = Set(report.completed)
        try await site.write(as: configuration.user) { tx in
            if let reset {
                tx.setStreamMark(StreamMark(producer: configuration.siteID, sequence: reset.sequence, cursor: reset.cursor, outcome: .start))
            }
            guard var document = try tx.get(SystemDocTypes.eventProducer, configuration.name) else { return }
            var rows = document.rows(of: "producer_doctypes")
            for i in rows.indices where completed.contains(rows[i]["ref_doctype"]?.stringValue ?? "") { rows[i]["backfill"] = 0 }
            document.setRows(rows, of: "producer_doctypes")
            try tx.save(document)
        }
        if let reset {
            positions.withLock { $0[configuration.siteID] = reset.cursor }
            report.watermarkReset = reset.cursor
            logger.info("watermark reset after a backfill", metadata: ["producer": "\(configuration.name)", "cursor": "\(reset.cursor)"])
        }
        return report
    }

    /// Backfills one DocType; nil when the producer has not approved it yet. Returns the cut of
    /// its first page and whether the watermark lies before the producer's log start.
    private func backfill(_ row: ProducerConfiguration.Row, configuration: ProducerConfiguration, client: any ProducerClient,
                          watermark: StreamWatermark?, report: inout BackfillReport) async throws -> ((LogCursor, UInt64), Bool)? {
        var after: String?
        var first: BackfillReply?
        while true {
            let reply: BackfillReply
            do {
                reply = try await client.backfill(BackfillRequest(consumer: site.identity.name, doctype: row.doctype, after: after,
                                                                  limit: Self.backfillPageSize))
            } catch let error as StreamError where error.code == .permission && first == nil {
                logger.info("backfill waits for approval", metadata: ["producer": "\(configuration.name)", "doctype": "\(row.doctype)"])
                return nil
            }
            if first == nil { first = reply }
            // Retention removed the watermark's position: changes in the gap are lost, deletes
            // among them. Local copies in this page's name range that the page does not bring
            // are gone on the producer (or no longer visible): remove them.
            let gone = watermark.map { $0.cursor.segment < first!.logStart.segment } ?? false
            if gone, row.useSameName {
                report.removed += try await removeStaleCopies(row, configuration: configuration, page: reply, after: after,
                                                              below: first!.cutSequence)
            }
            report.pages += 1
            report.received += reply.documents.count
            var acknowledgements: [WriteAcknowledgement] = []
            var outcomes: [ReplayOutcome] = []
            for document in reply.documents {
                let (outcome, acknowledgement) = try await applySnapshot(document, asOf: reply.asOf, row: row, configuration: configuration, client: client)
                if let acknowledgement { acknowledgements.append(acknowledgement) }
                outcomes.append(outcome)
            }
            for acknowledgement in acknowledgements { try await acknowledgement.wait() }
            for outcome in outcomes {
                switch outcome {
                case .synced: report.synced += 1
                case .skipped: report.skipped += 1
                case .failed: report.failed += 1
                }
            }
            guard let next = reply.next else { break }
            after = next
        }
        let cut = first!
        let gone = watermark.map { $0.cursor.segment < cut.logStart.segment } ?? false
        return ((cut.cut, cut.cutSequence), gone)
    }

    /// Replays one snapshot document as a *grant* at the page's `as_of` (a Create carrying
    /// the document's state, as the stream sends a document that becomes visible): inserted,
    /// or the local copy replaced by it through the lifecycle, its replica sequence `as_of`;
    /// parking, the sync log, dependencies and mappings work as for the stream.
    private func applySnapshot(_ document: Document, asOf: UInt64, row: ProducerConfiguration.Row, configuration: ProducerConfiguration,
                               client: any ProducerClient) async throws -> (ReplayOutcome, WriteAcknowledgement?) {
        let record = LogRecord(sequence: asOf, timestamp: 0, updateType: .create, doctype: document.doctype, docname: document.name ?? "",
                               origin: nil, annotations: AccessMark.grant(asOf: asOf).encoded(), payload: document.json.serialized(),
                               wasCompressed: false)
        if try isParked(ParkKey(doctype: record.doctype, docname: record.docname), configuration: configuration) {
            return (.failed, try recordWaiting(record, row: row, configuration: configuration, mark: nil))
        }
        do {
            return try await apply(record, row: row, configuration: configuration, client: client, mark: nil)
        } catch let failure as ApplyFailure {
            logger.warning("backfill of a document failed; the document is parked", metadata: [
                "producer": "\(configuration.name)", "doctype": "\(record.doctype)", "docname": "\(record.docname)", "error": "\(failure.underlying)"])
            return (.failed, try recordFailure(record, row: row, localName: failure.localName, configuration: configuration,
                                               mark: nil, error: failure.underlying))
        }
    }

    /// Deletes the local copies of `row`'s DocType (kept under the producer's names) that lie
    /// in the name range of `page` (after `after`, through `page.next` or to the end), came
    /// from this producer with a replica sequence below `sequence`, and are not in the page:
    /// the producer no longer has them, or the consumer may no longer see them. Memory stays
    /// that of one page. Returns how many were removed; a copy that cannot be deleted (other
    /// documents link to it) is logged and kept.
    private func removeStaleCopies(_ row: ProducerConfiguration.Row, configuration: ProducerConfiguration, page: BackfillReply,
                                   after: String?, below sequence: UInt64) async throws -> Int {
        let doctype = try row.mapping.map { try FieldMapping(site: site, name: $0).localDoctype } ?? row.doctype
        let inPage = Set(page.documents.compactMap(\.name))
        var stale: [String] = []
        var from = after
        scanning: while true {
            let names = site.store.names(doctype: doctype, after: from, limit: 500)
            guard !names.isEmpty else { break }
            for name in names {
                if let end = page.next, name > end { break scanning }
                if !inPage.contains(name),
                   let applied = try site.replicaSequence(producer: configuration.siteID, doctype: doctype, remoteName: name), applied < sequence {
                    stale.append(name)
                }
            }
            from = names.last
        }
        var removed = 0
        for name in stale {
            do {
                try await site.write(as: configuration.user) { tx in try tx.delete(doctype, name) }
                removed += 1
            } catch {
                logger.warning("a stale copy could not be removed after a backfill", metadata: [
                    "producer": "\(configuration.name)", "doctype": "\(doctype)", "docname": "\(name)", "error": "\(error)"])
            }
        }
        return removed
    }

    /// Sets or clears the `backfill` mark of `doctypes` on the producer's rows.
    func setBackfill(_ doctypes: [String], of configuration: ProducerConfiguration, to on: Bool) async throws {
        try await site.write(as: configuration.user) { tx in
            guard var document = try tx.get(SystemDocTypes.eventProducer, configuration.name) else { return }
            var rows = document.rows(of: "producer_doctypes")
            for i in rows.indices where doctypes.contains(rows[i]["ref_doctype"]?.stringValue ?? "") { rows[i]["backfill"] = on ? 1 : 0 }
            document.setRows(rows, of: "producer_doctypes")
            try tx.save(document)
        }
    }
}
