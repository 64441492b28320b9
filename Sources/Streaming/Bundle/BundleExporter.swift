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
        /// CPU time of the thread that read and filtered the log, and of the one that wrote
        /// the bundle (the caller's), seconds: what the machine's load cannot inflate.
        public var readerCPUSeconds: Double = 0
        public var writerCPUSeconds: Double = 0
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
    /// `linkScans` says which thread scans the Creates' links (`ExportLinkScans`).
    public func exportBundle(consumer nameOrID: String, to path: String, from: LogCursor? = nil, through: LogCursor? = nil,
                             fileBytes: Int = StreamProducer.bundleFileBytes, linkScans: ExportLinkScans = .balanced,
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

        let writerCPUStarted = Self.threadCPUSeconds()
        let temporary = path + ".partial"
        try? fm.removeItem(atPath: temporary)
        do {
            try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        } catch {
            throw StreamError(.invalidRequest, "cannot create \(temporary): \(error.localizedDescription)")
        }
        do {
            var state = ExportState(directory: temporary, fileBytes: fileBytes, scans: DependencyScans(site: site))
            // The log is read, filtered and scanned for dependencies on a thread of its own
            // while this one writes (StreamProducer+ExportReading.swift).
            let read = try readExportFrames(for: record, from: start, fromSequence: fromSequence, through: through, linkScans: linkScans) { piece in
                try state.write(piece)
                progress?(state.lastSequence, max(piece.lastSequence, state.lastSequence))
            }
            try state.closeFile()
            let end = read.cursor
            state.resolveTargets(created: read.created)
            let toSequence = try toSequenceGiven ?? sequenceBefore(end, what: "the end")
            let (documents, asOf) = try writeDependencies(&state, consumer: record)
            // Every records file is durable before the manifest that vouches for it exists.
            try state.syncFiles()
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
            return ExportReport(path: path, manifest: manifest, bundleBytes: total, frameBytes: state.frameBytes,
                                readerCPUSeconds: read.readerCPUSeconds, writerCPUSeconds: Self.threadCPUSeconds() - writerCPUStarted)
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
            // The next level: what this level's documents link to (`want` drops what the
            // bundle creates, in one pass for the whole level).
            var linked: [DocumentKey] = []
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
                        linked += ExportState.targets(of: document, site: site)
                    }
                    for key in reply.missing {
                        try writer.append(JSON.object(["doctype": .string(key.doctype), "name": .string(key.name), "document": .null]).serialized())
                        try writer.append([0x0A])
                        count += 1
                    }
                }
            }
            state.want(linked)
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
    /// Records files completed but not yet synced, oldest first (`closeFile`).
    var unsynced: [BundleWriter] = []
    static let unsyncedMost = 16
    var current = BundleManifest.File(name: "", bytes: 0, crc32: 0, entries: 0)
    var totalEntries: UInt64 = 0
    var frameBytes: UInt64 = 0
    var lastSequence: UInt64 = 0
    /// Link targets met while writing, in the order first met, with the sequence of the first
    /// record that links to each, and the documents a Delete names; which of them travel is
    /// decided once the reader is done (`resolveTargets`).
    var targets: [DocumentKey] = []
    var firstLinker: [DocumentKey: UInt64] = [:]
    var deleted = Set<DocumentKey>()
    /// The bundle's Creates in order, from the reader once it is done.
    var created: [ExportCreation] = []
    /// Dependencies still to fetch, in the order first wanted, and every key ever wanted.
    var wanted: [DocumentKey] = []
    var everWanted = Set<DocumentKey>()
    /// Finds the links of the Creates.
    var scans: DependencyScans

    init(directory: String, fileBytes: Int, scans: DependencyScans) {
        self.directory = directory
        self.fileBytes = fileBytes
        self.scans = scans
    }

    /// The documents `document` links to whose DocTypes `site` knows.
    static func targets(of document: Document, site: Site) -> [DocumentKey] {
        site.linkTargets(of: document).filter { site.schema[$0.doctype] != nil }
    }

    /// Wants `keys` as dependencies (documents' own links, fetched after the records), but
    /// those the bundle creates.
    mutating func want(_ keys: [DocumentKey]) {
        let fresh = keys.filter { !everWanted.contains($0) }
        guard !fresh.isEmpty else { return }
        let creations = firstCreations(of: fresh)
        for key in fresh where !creations.contains(ExportKeyHash.of(doctype: key.doctype, name: key.name)) {
            if everWanted.insert(key).inserted { wanted.append(key) }
        }
    }

    /// Of `keys`, those the bundle creates, by key hash, each with the sequence of its first
    /// Create: one pass over `created`, with the few keys asked for in a table that stays in
    /// cache.
    func firstCreations(of keys: [DocumentKey]) -> KeyHashMap {
        guard !keys.isEmpty else { return KeyHashMap(capacity: 0) }
        var asked = KeyHashMap(capacity: keys.count)
        for key in keys { asked.insert(ExportKeyHash.of(doctype: key.doctype, name: key.name)) }
        var first = KeyHashMap(capacity: keys.count)
        for creation in created where asked.contains(creation.key) { first.insert(creation.key, value: creation.sequence) }
        return first
    }

    /// Notes that the record at `sequence` links to `key`.
    mutating func meet(_ key: DocumentKey, at sequence: UInt64) {
        guard firstLinker[key] == nil else { return }
        firstLinker[key] = sequence
        targets.append(key)
    }

    /// Takes in what the record at `sequence`, `frame`, brings to the dependencies, in bundle
    /// order. A Create's links are scanned here; the reader noted the rest.
    mutating func note(_ note: StreamProducer.ExportNote, sequence: UInt64, frame: ArraySlice<UInt8>) throws {
        switch note {
        case .none: break
        case .create(let doctype):
            // Nil when its linking fields are the previous Create's, whose targets were met.
            guard let document = try scans.linkingFields(of: frame, doctype: doctype) else { return }
            for target in Self.targets(of: document, site: scans.site) { meet(target, at: sequence) }
        case .links(let targets):
            for target in targets { meet(target, at: sequence) }
        case .delete(let key):
            deleted.insert(key)
            meet(key, at: sequence)
        }
    }

    /// Decides which targets travel, once the reader has handed over where the bundle
    /// creates each document: a target the bundle creates at or before the first record that
    /// links to it need not (the replay creates it first); one created later, or not at all,
    /// must. A Delete's document travels either way: whether it is gone for good travels too.
    mutating func resolveTargets(created: [ExportCreation]) {
        self.created = created
        let creations = firstCreations(of: targets)
        for key in targets {
            if !deleted.contains(key), let at = creations.value(of: ExportKeyHash.of(doctype: key.doctype, name: key.name)), at <= firstLinker[key]! {
                continue
            }
            if everWanted.insert(key).inserted { wanted.append(key) }
        }
        targets = []
        firstLinker = [:]
    }

    /// Appends a piece's entries to the current records file (a new one once a file reaches
    /// `fileBytes`), written from the piece's bytes as they are, and takes in their notes.
    mutating func write(_ piece: StreamProducer.ExportPiece) throws {
        try piece.bytes.withUnsafeBytes { raw in
            var offset = 0
            // The entries of the current file not yet written: raw[unwritten..<offset].
            var unwritten = 0
            for entry in piece.entries {
                if writer == nil {
                    let name = String(repeating: "0", count: max(0, 20 - String(entry.sequence).count)) + String(entry.sequence) + ".records"
                    writer = try BundleWriter(path: directory + "/" + name)
                    current = BundleManifest.File(name: name, bytes: 0, crc32: 0, entries: 0, firstSequence: entry.sequence, lastSequence: entry.sequence)
                    unwritten = offset
                }
                writer!.addToCRC(entry: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + entry.size]), verified: entry.verified)
                try note(entry.note, sequence: entry.sequence, frame: piece.bytes[offset + 16..<offset + entry.size])
                offset += entry.size
                current.entries += 1
                current.lastSequence = entry.sequence
                totalEntries += 1
                frameBytes += UInt64(entry.size - 16)
                lastSequence = entry.sequence
                if writer!.size + UInt64(offset - unwritten) >= UInt64(fileBytes) {
                    try writer!.write(UnsafeRawBufferPointer(rebasing: raw[unwritten..<offset]))
                    unwritten = offset
                    try closeFile()
                }
            }
            if writer != nil, unwritten < offset { try writer!.write(UnsafeRawBufferPointer(rebasing: raw[unwritten..<offset])) }
        }
    }

    /// Completes the current records file and leaves its `fsync` for later (`syncFiles`):
    /// the writeback started while it was written (`BundleWriter`) has most of it on disk by
    /// then, while a sync right away would keep this thread waiting for the file's last
    /// stretch, once per file. At most `unsyncedMost` files wait (each holds a descriptor).
    mutating func closeFile() throws {
        guard let open = writer else { return }
        let (bytes, crc) = try open.complete()
        current.bytes = bytes
        current.crc32 = crc
        files.append(current)
        writer = nil
        unsynced.append(open)
        if unsynced.count > Self.unsyncedMost { try unsynced.removeFirst().sync() }
    }

    /// `fsync`s every records file not yet synced, oldest first.
    mutating func syncFiles() throws {
        for file in unsynced { try file.sync() }
        unsynced = []
    }
}
