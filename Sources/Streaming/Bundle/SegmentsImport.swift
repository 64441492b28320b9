import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore
import Synchronization

extension StreamConsumer {
    /// Checks a directory of copied segment files (see `importBundle`): every header and
    /// record crc (`EventLog.verify`), no segment missing between them, that they are the
    /// log of the producer this site follows (the record the watermark names ends exactly at
    /// the watermark's cursor), and that they reach back to the watermark.
    func verifySegments(at directory: String, producer nameOrID: String?) throws -> PreparedImport {
        func refuse(_ code: StreamError.Code, _ message: String) -> StreamError {
            StreamError(code, "copied segments \(directory): \(message)")
        }
        func refuse(_ message: String) -> StreamError { refuse(.integrity, message) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(Self.isSegmentName).sorted()
        guard !names.isEmpty else {
            throw refuse(.notFound, "neither a bundle (no \(BundleManifest.fileName)) nor copied segments (no <20-digit base>.log files)")
        }
        let configuration: ProducerConfiguration
        if let nameOrID {
            configuration = try producer(nameOrID)
        } else {
            let all = try producers()
            guard all.count == 1 else {
                throw refuse(.invalidRequest, all.isEmpty ? "\(site.identity.name) subscribes to no producer"
                    : "\(site.identity.name) subscribes to \(all.count) producers (\(all.map(\.name).joined(separator: ", "))); say which with --producer")
            }
            configuration = all[0]
        }
        guard let watermark = try site.streamWatermark(producer: configuration.siteID) else {
            throw refuse(.notFound, "\(site.identity.name) has no watermark for producer \(configuration.name); subscribe first")
        }
        let verification = try EventLog.verify(directory: directory)
        let lastName = names.last!
        // Copied sealed segments end with a sealed one; only that is not damage here.
        let damage = verification.problems.filter { !($0.kind == .missingSegment && $0.segmentFile == lastName && $0.reason.contains("marked sealed")) }
        if let first = damage.first {
            throw refuse("\(first.description)\(damage.count > 1 ? " (and \(damage.count - 1) more problems)" : "")")
        }
        let segments = names.map { (path: directory + "/" + $0, base: UInt64($0.dropLast(4))!) }
        let firstBase = segments[0].base
        // Identity and no gap.
        if let containing = segments.first(where: { $0.base == watermark.cursor.segment }) {
            var entries = OfflineEntries(.segments([containing]))
            var before = containing.base - 1
            var found = watermark.cursor.offset == 32
            while !found, let (cursor, frame) = try entries.next() {
                before = frame.u64(at: 8)
                if cursor.offset >= watermark.cursor.offset {
                    found = cursor.offset == watermark.cursor.offset
                    break
                }
            }
            guard found, before == watermark.sequence || watermark.sequence == 0 && watermark.cursor.offset == 32 else {
                throw refuse(.permission, "these are not the log of producer \(configuration.name): \(site.identity.name)'s watermark says sequence \(watermark.sequence) ends at \(watermark.cursor), which these segments do not agree with")
            }
        } else if firstBase &+ verification.recordsChecked <= watermark.sequence + 1 {
            // Every copied record is at or before the watermark (older segments): nothing to
            // apply, and nothing that could be applied wrongly.
        } else if firstBase > watermark.sequence + 1 {
            throw refuse(.invalidRequest, "they start at sequence \(firstBase), but \(site.identity.name) has only reached sequence \(watermark.sequence) of \(configuration.name): sequences \(watermark.sequence + 1)…\(firstBase - 1) would be missing; copy the segments from \(String(repeating: "0", count: 20 - String(watermark.cursor.segment).count))\(watermark.cursor.segment).log on")
        } else if firstBase != watermark.sequence + 1 {
            throw refuse(.permission, "these are not the log of producer \(configuration.name): \(site.identity.name)'s watermark names segment \(watermark.cursor.segment), which is not among them")
        }
        var lastSequence: UInt64 = 0
        var end = LogCursor(segment: firstBase, offset: 32)
        if let last = segments.last {
            let size = ((try? FileManager.default.attributesOfItem(atPath: last.path))?[.size] as? NSNumber)?.uint64Value ?? 32
            end = LogCursor(segment: last.base, offset: size)
        }
        lastSequence = firstBase &+ verification.recordsChecked &- 1
        let client = OfflineProducerClient(files: .segments(segments), end: end, lastSequence: lastSequence,
                                           what: "the copied segments \(directory)",
                                           include: try segmentFilter(configuration: configuration))
        return PreparedImport(kind: .segments, configuration: configuration, watermark: watermark, client: client,
                              verified: verification.recordsChecked, manifest: nil)
    }

    static func isSegmentName(_ name: String) -> Bool {
        name.hasSuffix(".log") && name.utf8.count == 24 && name.utf8.prefix(20).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// What a copied log's records this consumer takes, decided on the consumer as the
    /// producer would decide it for a pull: DocTypes its `Event Producer` rows show approved
    /// (as this site last heard), never records that came from this site, and each row's
    /// condition — a Create by the document it creates; an Update or Cancel by this site's
    /// copy of the document with the change folded in (the producer uses its current version,
    /// which offline is not at hand), passed when the Create was taken in this import, left
    /// out when this site has no copy; a Delete always.
    func segmentFilter(configuration: ProducerConfiguration) throws -> @Sendable (FramePeek, [UInt8]) throws -> Bool {
        var rows: [String: ProducerConfiguration.Row] = [:]
        var conditions: [String: Condition?] = [:]
        for row in configuration.rows where row.status == .approved && !row.unsubscribed {
            rows[row.doctype] = row
            if let text = row.condition?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                conditions[row.doctype] = try? Condition(text)
            }
        }
        let me = site.identity.id
        let taken = Mutex(Set<DocumentKey>())
        return { [rows, conditions] peek, frame in
            guard let row = rows[peek.doctype], peek.originSite != me else { return false }
            guard let entry = conditions[peek.doctype] else { return true }
            guard let condition = entry else { return false }
            let key = DocumentKey(doctype: peek.doctype, name: peek.docname)
            switch UpdateType(rawValue: peek.updateType) {
            case .create?:
                let record = try RecordFrame.decode(frame).record
                guard let object = try? JSON(parsing: record.payload).objectValue, condition.matches(object) else { return false }
                taken.withLock { _ = $0.insert(key) }
                return true
            case .update?, .cancel?:
                if taken.withLock({ $0.contains(key) }) { return true }
                let mapping = try row.mapping.map { try FieldMapping(site: self.site, name: $0) }
                guard let local = try self.localName(of: mapping?.localDoctype ?? peek.doctype, remoteName: peek.docname, row: row, configuration: configuration),
                      let document = try self.site.get(mapping?.localDoctype ?? peek.doctype, local) else { return false }
                let record = try RecordFrame.decode(frame).record
                let changed = (try? DocumentDiff(json: JSON(parsing: record.payload))).flatMap { try? $0.apply(to: document) } ?? document
                return condition.matches(changed.object)
            default:
                return true
            }
        }
    }
}
