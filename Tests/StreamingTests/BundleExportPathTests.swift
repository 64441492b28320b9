import CZlib
import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore
@testable import Streaming
import Testing

/// The export's fast path: the records files' crc32 kept from the log frames' verified crcs
/// (`RunningCRC32`), the log read and the writing on two threads (`readExportFrames`,
/// `ExportHandoff`), and a damaged log still refused whole.
@Suite("Export: crc from verified frames, two threads, damage refused", .serialized)
struct BundleExportPathTests {
    static func plainCRC(_ bytes: [UInt8]) -> UInt32 {
        UInt32(truncatingIfNeeded: bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, UInt32($0.count)) })
    }

    /// Frames of many lengths (short and long payloads, deflated or not, with and without
    /// origin), each behind a 16-byte cursor as in a records file.
    static func entries() throws -> [(cursor: [UInt8], frame: [UInt8])] {
        var result: [(cursor: [UInt8], frame: [UInt8])] = []
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for i in 0..<300 {
            let size = Int(next() % 3000)
            let payload = (0..<size).map { _ in UInt8(truncatingIfNeeded: next()) }
            let draft = EntryDraft(timestamp: Int64(i), updateType: .create, doctype: "Customer", docname: "C-\(i)",
                                   origin: i % 3 == 0 ? Origin(site: "s-\(i)", sequence: UInt64(i)) : nil, payload: payload)
            let frame = try RecordFrame.encode(draft, sequence: UInt64(i + 1), compressionThreshold: i % 2 == 0 ? 64 : nil)
            var cursor: [UInt8] = []
            cursor.appendU64(next())
            cursor.appendU64(next())
            result.append((cursor, frame))
        }
        return result
    }

    @Test("a file's crc kept from its frames' stored crcs is the crc of its bytes")
    func runningCRCMatchesAPlainPass() throws {
        var running = RunningCRC32()
        var bytes: [UInt8] = []
        for (i, entry) in try Self.entries().enumerated() {
            entry.cursor.withUnsafeBytes { running.update($0) }
            // Some frames read whole, as an unverified (synthesized) frame is.
            entry.frame.withUnsafeBytes { i % 5 == 0 ? running.update($0) : running.appendVerifiedFrame($0) }
            bytes += entry.cursor + entry.frame
            #expect(running.crc32 == Self.plainCRC(bytes), "after entry \(i) (\(entry.frame.count) bytes)")
        }
    }

    @Test("the cursor read in one call with the frame's head, as a records file lays them out, keeps the same crc")
    func runningCRCWithTheCursorBeforeTheFrame() throws {
        var running = RunningCRC32()
        var bytes: [UInt8] = []
        for (i, entry) in try Self.entries().enumerated() {
            let laidOut = entry.cursor + entry.frame
            laidOut.withUnsafeBytes { raw in
                let cursor = UnsafeRawBufferPointer(rebasing: raw[0..<16])
                let frame = UnsafeRawBufferPointer(rebasing: raw[16...])
                if i % 3 == 0 {
                    // Apart: the cursor from elsewhere.
                    entry.cursor.withUnsafeBytes { running.appendVerifiedFrame(frame, after: $0) }
                } else {
                    running.appendVerifiedFrame(frame, after: cursor)
                }
            }
            bytes += laidOut
            #expect(running.crc32 == Self.plainCRC(bytes), "after entry \(i) (\(entry.frame.count) bytes)")
        }
    }

    @Test("a frame whose stored crc is wrong changes the kept crc, so only verified frames may take that path")
    func aWrongStoredCRCIsNotHidden() throws {
        var frame = try #require(try Self.entries().first { $0.frame.count > 200 }).frame
        frame[100] ^= 0x01  // the bytes changed, the stored crc not
        var running = RunningCRC32()
        frame.withUnsafeBytes { running.appendVerifiedFrame($0) }
        #expect(running.crc32 != Self.plainCRC(frame))
    }

    @Test("the writer's crc and size are those of the file on disk")
    func writerCRCIsTheFilesCRC() throws {
        let directory = try TemporaryDirectory("writer-crc")
        defer { directory.cleanUp() }
        let path = directory.url.appendingPathComponent("x.records").path
        let writer = try BundleWriter(path: path)
        for (i, entry) in try Self.entries().enumerated() {
            let cursor = LogCursor(segment: entry.cursor.u64(at: 0), offset: entry.cursor.u64(at: 8))
            try writer.appendEntry(cursor: cursor, frame: entry.frame[...], verified: i % 7 != 0)
        }
        let (bytes, crc) = try writer.finish()
        let onDisk = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes == UInt64(onDisk.count))
        #expect(crc == Self.plainCRC(Array(onDisk)))
    }

    @Test("the handoff keeps order, delivers the reader's end after its pieces, and a stopped writer stops the reader")
    func handoff() throws {
        let handoff = ExportHandoff<Int, String>(capacity: 2)
        let reader = Thread {
            for i in 0..<100 where !handoff.put(i) { return }
            handoff.finish(.success("end"))
        }
        reader.start()
        var taken: [Int] = []
        taking: while true {
            switch handoff.take() {
            case .piece(let i): taken.append(i)
            case .end(let end):
                #expect(try end.get() == "end")
                break taking
            }
        }
        #expect(taken == Array(0..<100))

        let stopped = ExportHandoff<Int, String>(capacity: 1)
        #expect(stopped.put(1))
        stopped.stop()
        #expect(!stopped.put(2), "a writer that stopped takes nothing more")
    }

    @Test("an offline import's replies are decoded without a wire round trip, and a damaged or disordered frame still fails")
    func offlineRepliesAreVerified() async throws {
        let directory = try TemporaryDirectory("offline-replies")
        defer { directory.cleanUp() }
        var good: [UInt8] = []
        var cursors: [LogCursor] = []
        for (i, entry) in try Self.entries().prefix(40).enumerated() {
            let cursor = LogCursor(segment: 1, offset: UInt64(100 * (i + 1)))
            cursors.append(cursor)
            good.appendU64(cursor.segment)
            good.appendU64(cursor.offset)
            good += entry.frame
        }
        func client(_ bytes: [UInt8], _ name: String) throws -> OfflineProducerClient {
            let path = directory.url.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return OfflineProducerClient(files: .bundle([path]), end: cursors.last!, lastSequence: 40, what: name)
        }
        // The same records and reply as decoding the reply's bytes gives.
        let offline = try client(good, "good.records")
        let direct = try await offline.verifiedUpdates(consumer: "c", after: nil, maxEntries: 1000, maxBytes: 1 << 30)
        let wire = try UpdatesReply.decodeVerified(try await client(good, "good-again.records").updates(consumer: "c", after: nil, maxEntries: 1000, maxBytes: 1 << 30))
        #expect(direct.reply == wire.reply)
        #expect(direct.records == wire.records)
        #expect(direct.records.count == 40)
        // One flipped payload byte: the frame's crc fails.
        var damaged = good
        damaged[16 + 60] ^= 0x01
        let error = await #expect(throws: StreamError.self) {
            _ = try await client(damaged, "damaged.records").verifiedUpdates(consumer: "c", after: nil, maxEntries: 1000, maxBytes: 1 << 30)
        }
        #expect(error?.code == .integrity)
        // Two entries swapped: their sequences no longer increase.
        let first = 16 + (try Self.entries()[0].frame.count), second = 16 + (try Self.entries()[1].frame.count)
        let swapped = Array(good[first..<first + second]) + Array(good[0..<first]) + Array(good[(first + second)...])
        await #expect(throws: StreamError.self) {
            _ = try await client(swapped, "swapped.records").verifiedUpdates(consumer: "c", after: nil, maxEntries: 1000, maxBytes: 1 << 30)
        }
    }

    @Test("written pieces travel back to the reader to be filled again, and none after a stop")
    func handoffRecycles() throws {
        let handoff = ExportHandoff<[UInt8], String>(capacity: 2)
        #expect(handoff.reusable() == nil)
        var buffer = [UInt8](repeating: 7, count: 1 << 16)
        #expect(handoff.put(buffer))
        guard case .piece(var taken) = handoff.take() else { Issue.record("no piece"); return }
        taken.removeAll(keepingCapacity: true)
        handoff.recycle(taken)
        buffer = try #require(handoff.reusable())
        #expect(buffer.isEmpty && buffer.capacity >= 1 << 16)
        handoff.recycle(buffer)
        handoff.stop()
        #expect(handoff.reusable() == nil)
    }

    @Test("the export's key-hash map holds exactly what was inserted, with its first value, across its growth")
    func keyHashMap() {
        var map = KeyHashMap(capacity: 4)
        let hashes = (0..<20_000).map { ExportKeyHash.of(doctype: "Customer", name: "Customer \($0)") }
        #expect(Set(hashes).count == hashes.count, "distinct keys hash apart")
        #expect(ExportKeyHash.of(doctype: "Customer", name: "A") != ExportKeyHash.of(doctype: "CustomerA", name: ""), "the boundary counts")
        #expect(ExportKeyHash.of(doctype: "Customer", name: "A") != ExportKeyHash.of(doctype: "Customer", name: "A\u{0}"),
                "a zero byte at the end is not the word's padding")
        // Names of every length around the 8-byte words, each differing from the next in one byte.
        let lengths = (1...40).flatMap { n in (0..<4).map { ExportKeyHash.of(doctype: "Item", name: String(repeating: "x", count: n - 1) + "\($0)") } }
        #expect(Set(lengths).count == lengths.count, "tails and whole words hash apart")
        for (i, hash) in hashes.enumerated() where i % 2 == 0 {
            let inserted = map.insert(hash, value: UInt64(i))
            #expect(inserted)
        }
        #expect(map.count == hashes.count / 2)
        let again = map.insert(hashes[0], value: 99)
        #expect(!again, "inserted twice")
        #expect(map.value(of: hashes[0]) == 0, "the first value is kept")
        for (i, hash) in hashes.enumerated() {
            #expect(map.value(of: hash) == (i % 2 == 0 ? UInt64(i) : nil), "key \(i)")
        }
    }

    @Test("a document many others link to is visible through the one linker the consumer may see, past the first few looked at")
    func reachableBeyondTheSample() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Sales Invoice")])
        let items = 12 * StreamProducer.linkerSample
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
            for i in 0..<items { try tx.insert(Docs.item("ITEM-\(i)", group: "Tools")) }
        }
        // Items are not approved: "Tools" is reachable only through the one item an invoice
        // names, most likely not among the first linkers looked at; the rest must be too.
        try await pair.producerSite.write { tx in
            _ = try tx.insert(Docs.invoice(customer: "Acme", items: [("ITEM-\(items - 1)", 1, 1)]))
        }
        let reply = try await pair.client.documents(DocumentsRequest(consumer: "branch-1", keys: [.init(doctype: "Item Group", name: "Tools")]))
        #expect(reply.documents.map(\.name) == ["Tools"])
        let error = await #expect(throws: StreamError.self) {
            try await pair.client.documents(DocumentsRequest(consumer: "branch-1", keys: [.init(doctype: "Item", name: "ITEM-1")]))
        }
        #expect(error?.code == .permission)
    }

    /// A pair whose producer log has several sealed segments of Customers.
    static func pairWithSegments() async throws -> StreamPair {
        let pair = try await StreamPair(producerSegmentBytes: 16 << 10)
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in _ = try tx.insert(Docs.customerGroup("Retail")) }
        for start in stride(from: 0, to: 400, by: 50) {
            try await pair.producerSite.write { tx in
                for i in start..<start + 50 { try tx.insert(Docs.customer("Cust \(i)", group: "Retail")) }
            }
        }
        return pair
    }

    static func segmentFiles(_ site: Site) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: site.layout.logDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "log" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("a bundle written on two threads in small files holds every record, and imports")
    func manyPiecesAndFiles() async throws {
        let pair = try await Self.pairWithSegments()
        defer { pair.close() }
        let holder = try TemporaryDirectory("export-pieces")
        defer { holder.cleanUp() }
        let path = holder.url.appendingPathComponent("bundle").path
        let report = try pair.producer.exportBundle(consumer: "branch-1", to: path, fileBytes: 8 << 10)
        #expect(report.manifest.entries == 400)
        // More files than the export leaves unsynced at once: the oldest are synced on the way.
        #expect(report.manifest.records.count > ExportState.unsyncedMost)
        let imported = try await pair.consumer.importBundle(at: path)
        #expect(imported.pull.synced == 400)
        #expect(pair.consumerSite.count("Customer") == 400)
    }

    @Test("the Creates' links scanned by the writer, the reader or both make the same bundle")
    func linkScansOnEitherThread() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        // Groups and territories are not subscribed: every one a Customer names travels as a
        // dependency, found only by scanning the Creates (runs of the same links, then changes,
        // so scans passed over as "like the previous one" and fresh ones both occur).
        try await pair.producerSite.write { tx in
            for g in 0..<5 { try tx.insert(Docs.customerGroup("G\(g)")) }
            for t in 0..<3 { try tx.insert(Docs.territory("T\(t)")) }
            try tx.insert(Docs.customerGroup("Unused"))
        }
        for start in stride(from: 0, to: 6000, by: 500) {
            try await pair.producerSite.write { tx in
                for i in start..<start + 500 {
                    try tx.insert(Docs.customer("Cust \(i)", group: "G\(i / 1300)", territory: i % 997 == 0 ? "T\(i % 3)" : nil))
                }
            }
        }
        let holder = try TemporaryDirectory("export-scans")
        defer { holder.cleanUp() }
        var bundles: [(manifest: BundleManifest, documents: String)] = []
        for scans in [StreamProducer.ExportLinkScans.writer, .reader, .balanced] {
            let path = holder.url.appendingPathComponent("bundle-\(scans)").path
            let report = try pair.producer.exportBundle(consumer: "branch-1", to: path, linkScans: scans)
            bundles.append((report.manifest, try String(contentsOfFile: path + "/" + StreamProducer.documentsFile, encoding: .utf8)))
        }
        let carried = bundles[0].documents.split(separator: "\n").compactMap { line -> String? in
            guard let json = try? JSON(parsing: Array(line.utf8)) else { return nil }
            return "\(json["doctype"]?.stringValue ?? "?")/\(json["name"]?.stringValue ?? "?")"
        }
        #expect(carried.sorted() == ["Customer Group/G0", "Customer Group/G1", "Customer Group/G2", "Customer Group/G3", "Customer Group/G4",
                                     "Territory/T0", "Territory/T1", "Territory/T2"])
        for (manifest, documents) in bundles.dropFirst() {
            #expect(documents == bundles[0].documents)
            #expect(manifest.entries == 6000)
            #expect(manifest.records.map(\.crc32) == bundles[0].manifest.records.map(\.crc32))
        }
    }

    @Test("a flipped byte in a sealed segment is refused by export, naming the segment, and leaves no bundle")
    func flippedByteRefused() async throws {
        let pair = try await Self.pairWithSegments()
        defer { pair.close() }
        let segments = try Self.segmentFiles(pair.producerSite)
        #expect(segments.count >= 3)
        // A payload byte in the middle of the second segment.
        let damaged = segments[1]
        let handle = try FileHandle(forUpdating: damaged)
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        var byte = try #require(try handle.read(upToCount: 1))
        byte[0] ^= 0x20
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: byte)
        try handle.close()

        let holder = try TemporaryDirectory("export-flipped")
        defer { holder.cleanUp() }
        let path = holder.url.appendingPathComponent("bundle").path
        let error = #expect(throws: (any Error).self) {
            try pair.producer.exportBundle(consumer: "branch-1", to: path, fileBytes: 8 << 10)
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("damaged record"), "\(text)")
        #expect(text.contains(damaged.lastPathComponent), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }

    @Test("a sealed segment cut short under an open log is refused by export, not read forever")
    func truncatedSegmentRefused() async throws {
        let pair = try await Self.pairWithSegments()
        defer { pair.close() }
        let segments = try Self.segmentFiles(pair.producerSite)
        let damaged = segments[1]
        let size = try #require(try FileManager.default.attributesOfItem(atPath: damaged.path)[.size] as? Int)
        #expect(truncate(damaged.path, off_t(size / 2)) == 0)

        let holder = try TemporaryDirectory("export-truncated")
        defer { holder.cleanUp() }
        let path = holder.url.appendingPathComponent("bundle").path
        let error = #expect(throws: (any Error).self) {
            try pair.producer.exportBundle(consumer: "branch-1", to: path)
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(damaged.lastPathComponent), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }
}
