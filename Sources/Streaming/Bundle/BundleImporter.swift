import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore

extension StreamConsumer {
    /// What an import did.
    public struct ImportReport: Sendable {
        public enum Kind: String, Sendable {
            /// A bundle exported by the producer for this site.
            case bundle
            /// A directory of the producer's segment files copied as they are.
            case segments
        }

        public var kind: Kind
        /// The producer's name as this site knows it.
        public var producer: String
        /// Records in the files, all verified before anything was applied.
        public var verified: UInt64
        /// The replay (received: records after this site's watermark that its subscription takes).
        public var pull: PullReport
        /// The watermark before and after.
        public var before: StreamWatermark
        public var after: StreamWatermark?
        /// The bundle's manifest (nil for copied segments).
        public var manifest: BundleManifest?
    }

    /// Imports an offline bundle (a directory with `manifest.json`, from `StreamProducer.exportBundle`)
    /// or a directory of the producer's segment files copied as they are (`*.log`).
    ///
    /// Everything is verified before anything is applied — for a bundle: that it is for this
    /// site and from a producer it follows, the manifest's HMAC under the subscription's key,
    /// that exactly the listed files are there with their sizes and crc32s, every frame's crc
    /// and the order of sequences and cursors, and that it starts at or before this site's
    /// watermark (no gap); for copied segments: every segment header and record crc, no
    /// missing segment, that they are the followed producer's log (the watermark's record
    /// sits where the watermark says) and that they reach back to the watermark. A refusal
    /// throws a `StreamError` saying exactly why, and nothing is written.
    ///
    /// Then the records after the watermark are replayed through `pull` (an
    /// `OfflineProducerClient` in place of the network), so each change and the watermark move
    /// in one durable write: an import killed midway resumes where it stopped when run again,
    /// and importing the same or an overlapping bundle again applies nothing twice. Copied
    /// segments carry the whole log, so the consumer applies only what its own subscription
    /// asks for (`segmentFilter`).
    ///
    /// `maxEntries` bounds each batch replayed between acknowledgements (as a pull's replies).
    /// `producer` (name or site id) picks the producer for copied segments when this site
    /// follows more than one; a bundle names its producer itself.
    @discardableResult
    public func importBundle(at path: String, producer nameOrID: String? = nil, maxEntries: Int = 1000,
                             progress: (@Sendable (_ sequence: UInt64, _ outcome: ReplayOutcome, _ lastSequence: UInt64) -> Void)? = nil)
        async throws -> ImportReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StreamError(.notFound, "\(path) is not a directory: give a bundle directory or a directory of copied segment files")
        }
        let prepared: PreparedImport
        if FileManager.default.fileExists(atPath: path + "/" + BundleManifest.fileName) {
            prepared = try verifyBundle(at: path)
        } else {
            prepared = try verifySegments(at: path, producer: nameOrID)
        }
        let report = try await pull(producer: prepared.configuration.siteID, client: prepared.client, maxEntries: maxEntries, progress: progress)
        logger.info("offline import", metadata: ["producer": "\(prepared.configuration.name)", "kind": "\(prepared.kind.rawValue)",
                                                 "synced": "\(report.synced)", "failed": "\(report.failed)"])
        return ImportReport(kind: prepared.kind, producer: prepared.configuration.name, verified: prepared.verified, pull: report,
                            before: prepared.watermark, after: try site.streamWatermark(producer: prepared.configuration.siteID),
                            manifest: prepared.manifest)
    }

    /// What verification hands to the replay.
    struct PreparedImport {
        var kind: ImportReport.Kind
        var configuration: ProducerConfiguration
        var watermark: StreamWatermark
        var client: OfflineProducerClient
        var verified: UInt64
        var manifest: BundleManifest?
    }

    /// Checks a bundle whole (see `importBundle`); throws naming the first thing wrong.
    func verifyBundle(at directory: String) throws -> PreparedImport {
        func refuse(_ code: StreamError.Code, _ message: String) -> StreamError { StreamError(code, "bundle \(directory): \(message)") }
        func refuse(_ message: String) -> StreamError { refuse(.integrity, message) }
        let manifestPath = directory + "/" + BundleManifest.fileName
        guard let size = (try? FileManager.default.attributesOfItem(atPath: manifestPath))?[.size] as? Int, size <= 64 << 20,
              let data = FileManager.default.contents(atPath: manifestPath) else {
            throw refuse("\(BundleManifest.fileName) cannot be read or is larger than 64 MiB")
        }
        let manifest = try BundleManifest(decoding: Array(data))
        let me = site.identity
        guard manifest.consumerID == me.id else {
            throw refuse(.permission, "it was exported for consumer \(manifest.consumerName) (site id \(manifest.consumerID)), not for this site \(me.name) (site id \(me.id))")
        }
        guard let configuration = try? producer(manifest.producerID) else {
            throw refuse(.notFound, "it comes from producer \(manifest.producerName) (site id \(manifest.producerID)), which \(me.name) does not subscribe to")
        }
        guard let key = try BundleKeys(layout: site.layout).producerKey(manifest.producerID) else {
            throw refuse(.notFound, "\(me.name) holds no bundle key for producer \(configuration.name): register with it again online (sitestream producer add) to receive one")
        }
        guard manifest.hasValidSignature(keyHex: key) else {
            throw refuse("the manifest's signature does not match: the manifest was altered, or it was not signed with the key \(configuration.name) shares with \(me.name)")
        }
        // Exactly the listed files.
        let listed = manifest.records.map(\.name) + (manifest.documents.map { [$0.name] } ?? [])
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        if let missing = listed.first(where: { !present.contains($0) }) {
            throw refuse("\(missing) is listed in the manifest but missing")
        }
        if let extra = present.subtracting(listed).subtracting([BundleManifest.fileName]).sorted().first {
            throw refuse("\(extra) is not listed in the manifest (a file was added)")
        }
        for file in manifest.records + (manifest.documents.map { [$0] } ?? []) {
            let actual = ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + file.name))?[.size] as? NSNumber)?.uint64Value ?? 0
            guard actual == file.bytes else {
                throw refuse("\(file.name) is \(actual) bytes, the manifest says \(file.bytes) (\(actual < file.bytes ? "truncated" : "extended"))")
            }
        }
        // Every byte of every records file against its crc32, every frame against its own.
        var total: UInt64 = 0
        var lastSequence = manifest.fromSequence
        var lastCursor = manifest.from
        for file in manifest.records {
            // One pass: each frame's crc is checked where it lies, and the file's crc follows
            // from the entries' cursors and the frames' verified crcs (RunningCRC32).
            let path = directory + "/" + file.name
            let reader = try ChunkedReader(path: path, checksumming: false)
            var running = RunningCRC32()
            var problem: String?
            var entries: UInt64 = 0
            var first: UInt64 = 0
            while problem == nil, try reader.ensure(1) {
                guard try reader.ensure(20) else { problem = "ends inside an entry at byte \(reader.position)"; break }
                let length = Int(reader.u32(at: 16))
                guard length >= RecordFrame.headerSize, length <= 1 << 28, try reader.ensure(16 + length) else {
                    problem = "ends inside an entry at byte \(reader.position)"
                    break
                }
                let at = reader.position
                let cursor = LogCursor(segment: reader.u64(at: 0), offset: reader.u64(at: 8))
                let sequence = reader.u64(at: 16 + 8)
                let defect: (any Error)? = reader.withBytes(0..<16 + length) { entry in
                    running.update(UnsafeRawBufferPointer(rebasing: entry[0..<16]))
                    let frame = UnsafeRawBufferPointer(rebasing: entry[16...])
                    do { try RecordFrame.verifyOne(frame) } catch { return error }
                    running.appendVerifiedFrame(frame)
                    return nil
                }
                reader.consume(16 + length)
                if let defect {
                    problem = "the record at byte \(at) fails its own check: \(defect)"
                    break
                }
                if entries == 0 { first = sequence }
                entries += 1
                if sequence <= lastSequence || sequence > manifest.toSequence {
                    problem = "sequence \(sequence) at byte \(at) is out of order or outside \(manifest.fromSequence + 1)…\(manifest.toSequence)"
                } else if cursor <= lastCursor || cursor > manifest.to {
                    problem = "cursor \(cursor) at byte \(at) is out of order or outside \(manifest.from) … \(manifest.to)"
                }
                lastSequence = sequence
                lastCursor = cursor
            }
            // Past a defect the kept crc stops short: the whole file's is read then, so a
            // damaged file is named by its checksum first, as always.
            let crc = problem == nil ? running.crc32 : try ChunkedReader(path: path).wholeFileCRC()
            guard crc == file.crc32 else {
                throw refuse("\(file.name) fails its checksum (crc32 \(crc), the manifest says \(file.crc32)): it was altered or damaged")
            }
            if let problem { throw refuse("\(file.name) \(problem)") }
            guard entries == file.entries, entries == 0 || (first == file.firstSequence && lastSequence == file.lastSequence) else {
                throw refuse("\(file.name) holds \(entries) records (sequences \(first)…\(lastSequence)); the manifest says \(file.entries) (\(file.firstSequence)…\(file.lastSequence))")
            }
            total += entries
        }
        guard total == manifest.entries else {
            throw refuse("the records files hold \(total) records; the manifest says \(manifest.entries)")
        }
        let documents = try readDocuments(manifest.documents, in: directory, refuse: { refuse(.integrity, $0) })
        // No gap: the bundle must begin at or before what this site has.
        guard let watermark = try site.streamWatermark(producer: manifest.producerID) else {
            throw refuse(.notFound, "\(me.name) has no watermark for producer \(configuration.name); subscribe first")
        }
        guard manifest.fromSequence <= watermark.sequence else {
            throw refuse(.invalidRequest, "it starts after sequence \(manifest.fromSequence) of \(configuration.name), but \(me.name) has only reached sequence \(watermark.sequence) (cursor \(watermark.cursor)): sequences \(watermark.sequence + 1)…\(manifest.fromSequence) would be missing; export again with --from \(watermark.cursor)")
        }
        let client = OfflineProducerClient(
            files: .bundle(manifest.records.map { directory + "/" + $0.name }), end: manifest.to,
            lastSequence: manifest.toSequence, documents: documents, asOf: manifest.documentsAsOf, what: "the bundle \(directory)")
        return PreparedImport(kind: .bundle, configuration: configuration, watermark: watermark, client: client, verified: total, manifest: manifest)
    }

    /// The dependency documents of a bundle, checked against the manifest's crc32: key →
    /// document, or nil for a document the producer reported missing.
    func readDocuments(_ file: BundleManifest.File?, in directory: String, refuse: (String) -> StreamError) throws -> [DocumentKey: Document?] {
        guard let file else { return [:] }
        let reader = try ChunkedReader(path: directory + "/" + file.name)
        let crc = try reader.wholeFileCRC()
        guard crc == file.crc32 else {
            throw refuse("\(file.name) fails its checksum (crc32 \(crc), the manifest says \(file.crc32)): it was altered or damaged")
        }
        guard let data = FileManager.default.contents(atPath: directory + "/" + file.name) else { throw refuse("\(file.name) cannot be read") }
        var result: [DocumentKey: Document?] = [:]
        var line = 0
        for part in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            line += 1
            guard let o = try? JSON(parsing: Array(part)).objectValue, let doctype = o["doctype"]?.stringValue, let name = o["name"]?.stringValue else {
                throw refuse("\(file.name) line \(line) is not a document entry")
            }
            let document = o["document"].flatMap(Document.init(json:))
            result[DocumentKey(doctype: doctype, name: name)] = .some(document)
        }
        guard UInt64(line) == file.entries else { throw refuse("\(file.name) holds \(line) entries; the manifest says \(file.entries)") }
        return result
    }
}
