import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore

extension StreamProducer {
    /// What an export wrote.
    public struct ExportReport: Sendable {
        public var path: String
        public var manifest: BundleManifest
        /// Bytes of every file of the bundle, the manifest included.
        public var bundleBytes: UInt64
        /// Bytes of the original log frames the records files carry.
        public var frameBytes: UInt64
    }

    /// Records files roll over at this size.
    public static let bundleFileBytes = 64 << 20

    /// Writes an offline bundle for consumer `nameOrID` to the directory `path` (which must
    /// not exist): what `updates` would give that consumer after `from` (nil: the start of the
    /// log) through `to` (nil: the durable end now) — the same approval, conditions and origin
    /// rule (`filteredUpdates`; a document created and deleted within a reply is kept, as the
    /// consumer may hold it already), the original frames with their sequence numbers and crcs,
    /// each with the producer's cursor after it — plus the current version of every document
    /// those records link to (the dependencies a pull would fetch), and a manifest signed with
    /// the subscription's key. docs/formats/bundle.md.
    ///
    /// The bundle is written under `<path>.partial` (each file `fsync`ed), then renamed to
    /// `path` in one step, so a bundle that exists is complete. Memory stays bounded: records
    /// stream from the log to the files; only the keys of created documents and of wanted
    /// dependencies are held.
    ///
    /// `progress` is told the producer sequence reached and the last sequence.
    public func exportBundle(consumer nameOrID: String, to path: String, from: LogCursor? = nil, through: LogCursor? = nil,
                             fileBytes: Int = StreamProducer.bundleFileBytes,
                             progress: ((_ sequence: UInt64, _ lastSequence: UInt64) -> Void)? = nil) throws -> ExportReport {
        let record = try consumer(nameOrID)
        guard let key = try BundleKeys(layout: site.layout).consumerKey(record.siteID) else {
            throw StreamError(.notFound, "consumer \(record.name) has no bundle key yet (it registered before bundles existed); let it register again (sitestream producer add on \(record.name)) and export then",
                              consumer: record.name)
        }
        let fm = FileManager.default
        guard !fm.fileExists(atPath: path) else {
            throw StreamError(.invalidRequest, "\(path) exists already; give a new directory for the bundle")
        }
        let start = from ?? site.log.startCursor
        let fromSequence = try sequenceBefore(start, what: "--from")
        if let through {
            guard through >= start else { throw StreamError(.invalidRequest, "--to \(through) is before --from \(start)") }
        }
        let toSequenceGiven = try through.map { try sequenceBefore($0, what: "--to") }

        let temporary = path + ".partial"
        try? fm.removeItem(atPath: temporary)
        do {
            try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        } catch {
            throw StreamError(.invalidRequest, "cannot create \(temporary): \(error.localizedDescription)")
        }
        do {
            var state = ExportState(directory: temporary, fileBytes: fileBytes)
            var dependencies = DependencyScans(site: site)
            // The log is read and filtered on a thread of its own while this one writes
            // (StreamProducer+ExportReading.swift).
            let end = try readExportFrames(for: record, from: start, fromSequence: fromSequence, through: through) { piece in
                for scanned in piece.frames {
                    try state.write(scanned.frame, sequence: scanned.peek.sequence, cursor: scanned.cursor, verified: !scanned.synthesized)
                    try noteDependencies(of: scanned, into: &state, scans: &dependencies)
                    progress?(state.lastSequence, max(piece.lastSequence, state.lastSequence))
                }
            }
            try state.closeFile()
            let toSequence = try toSequenceGiven ?? sequenceBefore(end, what: "the end")
            let (documents, asOf) = try writeDependencies(&state, consumer: record)
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            var manifest = BundleManifest(
                producerID: site.identity.id, producerName: site.identity.name, producerURL: site.identity.url,
                consumerID: record.siteID, consumerName: record.name, from: start, fromSequence: fromSequence,
                to: end, toSequence: max(toSequence, fromSequence), entries: state.totalEntries, created: FrappeTime.text(microseconds: now),
                records: state.files, documents: documents, documentsAsOf: asOf)
            manifest.sign(keyHex: key)
            let manifestWriter = try BundleWriter(path: temporary + "/" + BundleManifest.fileName)
            try manifestWriter.append(manifest.json.serialized(pretty: true))
            let (manifestBytes, _) = try manifestWriter.finish()
            BundleDirectory.sync(temporary)
            guard rename(temporary, path) == 0 else {
                throw StreamError(.invalidRequest, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
            }
            BundleDirectory.sync((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
            let total = manifestBytes + state.files.reduce(0) { $0 + $1.bytes } + (documents?.bytes ?? 0)
            logger.info("bundle exported", metadata: ["consumer": "\(record.name)", "entries": "\(state.totalEntries)", "path": "\(path)"])
            return ExportReport(path: path, manifest: manifest, bundleBytes: total, frameBytes: state.frameBytes)
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
    }

    /// The sequence of the last record before `cursor` (the log's sequences are contiguous:
    /// the next record's minus one, or the last durable one at the end). Throws the log's
    /// error when `cursor` is not a record boundary of this log.
    func sequenceBefore(_ cursor: LogCursor, what: String) throws -> UInt64 {
        let last = site.log.lastSequence
        let batch: LogBatch
        do { batch = try site.log.read(after: cursor, maxEntries: 1, maxBytes: 1) } catch {
            throw StreamError(.invalidRequest, "\(what) \(cursor) is not a position in \(site.identity.name)'s log: \(error)")
        }
        if let first = batch.firstSequence { return first - 1 }
        return last
    }

    /// Remembers what a record links to, so its dependencies travel with the bundle: a
    /// Create's links, and for an Update or Cancel the links of the document as it stands now
    /// (once per document). Targets created earlier in the bundle need not travel.
    func noteDependencies(of scanned: ScannedFrame, into state: inout ExportState, scans: inout DependencyScans) throws {
        let peek = scanned.peek
        let key = DocumentKey(doctype: peek.doctype, name: peek.docname)
        let document: Document?
        switch UpdateType(rawValue: peek.updateType) {
        case .create?:
            state.created.insert(ExportState.hash(key))
            document = try scans.linkingFields(of: scanned.frame, doctype: peek.doctype)
        case .update?, .cancel?:
            guard state.looked.insert(ExportState.hash(key)).inserted else { return }
            document = try site.get(peek.doctype, peek.docname)
        case .delete?:
            // Whether it is gone for good travels too: a replay of its earlier records that
            // fails asks (`isGoneOnProducer`), and then skips rather than parks.
            state.want(key, evenIfCreated: true)
            return
        default:
            return
        }
        guard let document else { return }
        for target in site.linkTargets(of: document) where site.schema[target.doctype] != nil {
            state.want(target)
        }
    }

    /// Fetches the wanted dependencies through `documents` (so the link-reachability rule
    /// decides, as for a pull), level by level as their own links lead on, and writes them to
    /// `documents.jsonl`. Returns the file and the `as_of` of the replies.
    func writeDependencies(_ state: inout ExportState, consumer record: ConsumerRecord) throws -> (BundleManifest.File?, UInt64) {
        guard !state.wanted.isEmpty else { return (nil, 0) }
        let writer = try BundleWriter(path: state.directory + "/" + Self.documentsFile)
        var asOf = UInt64.max
        var count: UInt64 = 0
        var frontier = state.wanted
        var depth = 0
        while !frontier.isEmpty, depth < StreamConsumer.maxDependencyDepth {
            depth += 1
            state.wanted = []
            for chunkStart in stride(from: 0, to: frontier.count, by: DocumentsRequest.maxDocuments) {
                let chunk = Array(frontier[chunkStart..<min(chunkStart + DocumentsRequest.maxDocuments, frontier.count)])
                var replies: [DocumentsReply] = []
                do {
                    replies.append(try documents(DocumentsRequest(consumer: record.name, keys: chunk), caller: SystemDocTypes.administrator))
                } catch let error as StreamError where error.code == .permission {
                    // One document the consumer may not see refuses the whole request: ask one
                    // by one and leave out the refused (a pull would be refused them too).
                    for key in chunk {
                        if let reply = try? documents(DocumentsRequest(consumer: record.name, keys: [key]), caller: SystemDocTypes.administrator) {
                            replies.append(reply)
                        }
                    }
                }
                for reply in replies {
                    asOf = min(asOf, reply.asOf)
                    for document in reply.documents {
                        try writer.append(JSON.object(["doctype": .string(document.doctype), "name": .string(document.name ?? ""),
                                                       "document": document.json]).serialized())
                        try writer.append([0x0A])
                        count += 1
                        for target in site.linkTargets(of: document) where site.schema[target.doctype] != nil { state.want(target) }
                    }
                    for key in reply.missing {
                        try writer.append(JSON.object(["doctype": .string(key.doctype), "name": .string(key.name), "document": .null]).serialized())
                        try writer.append([0x0A])
                        count += 1
                    }
                }
            }
            frontier = state.wanted
        }
        let (bytes, crc) = try writer.finish()
        return (BundleManifest.File(name: Self.documentsFile, bytes: bytes, crc32: crc, entries: count), asOf == .max ? 0 : asOf)
    }

    public static let documentsFile = "documents.jsonl"
}

/// An export under way: the current records file and what the bundle has needed so far.
struct ExportState {
    let directory: String
    let fileBytes: Int
    var files: [BundleManifest.File] = []
    var writer: BundleWriter?
    var current = BundleManifest.File(name: "", bytes: 0, crc32: 0, entries: 0)
    var totalEntries: UInt64 = 0
    var frameBytes: UInt64 = 0
    var lastSequence: UInt64 = 0
    var lastCursor: LogCursor?
    /// Hashes of the documents created in the bundle and of those whose links were looked at
    /// (8 bytes each, not the names: a collision only makes a dependency travel or not, and a
    /// consumer missing one parks the document until it is online).
    var created = Set<Int>()
    var looked = Set<Int>()
    /// Dependencies still to fetch, in the order first wanted, and every key ever wanted.
    var wanted: [DocumentKey] = []
    var everWanted = Set<DocumentKey>()

    init(directory: String, fileBytes: Int) {
        self.directory = directory
        self.fileBytes = fileBytes
    }

    static func hash(_ key: DocumentKey) -> Int {
        var hasher = Hasher()
        hasher.combine(key.doctype)
        hasher.combine(key.name)
        return hasher.finalize()
    }

    mutating func want(_ key: DocumentKey, evenIfCreated: Bool = false) {
        guard evenIfCreated || !created.contains(Self.hash(key)), everWanted.insert(key).inserted else { return }
        wanted.append(key)
    }

    /// Appends a frame and the cursor after it to the current records file (a new one after
    /// `fileBytes`). `verified`: the frame comes from the log's read, its crc checked.
    mutating func write(_ frame: ArraySlice<UInt8>, sequence: UInt64, cursor: LogCursor, verified: Bool) throws {
        if writer == nil {
            let name = String(repeating: "0", count: max(0, 20 - String(sequence).count)) + String(sequence) + ".records"
            writer = try BundleWriter(path: directory + "/" + name)
            current = BundleManifest.File(name: name, bytes: 0, crc32: 0, entries: 0, firstSequence: sequence, lastSequence: sequence)
        }
        try writer!.appendEntry(cursor: cursor, frame: frame, verified: verified)
        current.entries += 1
        current.lastSequence = sequence
        totalEntries += 1
        frameBytes += UInt64(frame.count)
        lastSequence = sequence
        lastCursor = cursor
        if writer!.size >= UInt64(fileBytes) { try closeFile() }
    }

    mutating func closeFile() throws {
        guard let open = writer else { return }
        let (bytes, crc) = try open.finish()
        current.bytes = bytes
        current.crc32 = crc
        files.append(current)
        writer = nil
    }
}
