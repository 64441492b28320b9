import CZlib
import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming

/// The two references the offline goals are measured against, taken in the same run as the
/// export and import they judge.
extension OfflineBenchmarks {
    /// The local fold: the same Creates read from the producer's log file (crc checked) and
    /// inserted through `site`'s own lifecycle (naming, validation, link check, its log, its
    /// store) as a consumer names and marks them (`remote_docname`, a replica mark per
    /// document, the watermark on the last entry of each transaction), 256 per transaction
    /// queued back to back, waiting once at the end for the last to be durable; nothing of
    /// streaming (no bundle, no verification pass, no replies). What importing the entries
    /// would cost if they were already local: `offline.import_ratio` is the import's rate over
    /// this one's. Returns entries/s and entries per CPU-second.
    static func localFold(into site: Site, from producer: Site, doctype: String) async throws -> (rate: Double, cpuRate: Double, entries: Int) {
        let producerID = producer.identity.id
        let producerName = producer.identity.name
        var cursor = producer.log.startCursor
        var folded = 0
        var last: WriteAcknowledgement?
        let started = monotonicNanoseconds()
        let cpuStarted = SiteBenchmarks.processCPUSeconds()
        while true {
            let batch = try producer.log.read(after: cursor, maxEntries: 1000, maxBytes: 4 << 20)
            guard batch.count > 0 else { break }
            let records = Array(zip(try RecordFrame.decodeAll(batch.bytes), batch.cursors))
            for runStart in stride(from: 0, to: records.count, by: 256) {
                let run = records[runStart..<min(runStart + 256, records.count)]
                let (count, acknowledgement) = try site.writeQueued { tx -> Int in
                    var count = 0
                    for (record, after) in run where record.doctype == doctype && record.updateType == .create {
                        guard var document = Document(json: try JSON(parsing: record.payload)) else {
                            throw BenchError("offline: the Create of \(record.docname) is not a document")
                        }
                        document.name = nil
                        document["remote_docname"] = .string(record.docname)
                        document["remote_site_name"] = .string(producerName)
                        let stored = try tx.insert(document)
                        tx.markReplica(doctype: doctype, name: stored.name!,
                                       ReplicaMark(producer: producerID, sequence: record.sequence, remoteName: record.docname),
                                       origin: Origin(site: producerID, sequence: record.sequence))
                        count += 1
                        tx.setStreamMark(StreamMark(producer: producerID, sequence: record.sequence, cursor: after, outcome: .synced, count: UInt64(count)))
                    }
                    return count
                }
                folded += count
                last = acknowledgement
            }
            cursor = batch.next
        }
        try await last?.wait()
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        let cpu = SiteBenchmarks.processCPUSeconds() - cpuStarted
        return (Double(folded) / seconds, Double(folded) / cpu, folded)
    }

    /// The disk's raw bandwidth for an export, in bytes/s: the bundle's files written again as
    /// plain bytes with nothing computed, in the same shape and under the same durability —
    /// one new file per size in `files` (the records files, the documents file, the manifest),
    /// each in 1 MiB `write`s and made durable with `fsync` as `BundleWriter.finish` does, then
    /// one `fsync` of the directory (the export syncs its directory before and after its
    /// rename). Until session 6 the reference was a single file of the bundle's total size
    /// with one `fdatasync`, which spared it the per-file syncs the export pays.
    /// `startingWriteback`: also start writeback every 8 MiB (`sitestream_start_writeback`),
    /// as `BundleWriter` does (`offline.disk.raw.writeback`), to show what that head start is
    /// worth to the disk alone.
    static func rawWrite(files: [Int], in directory: String, startingWriteback: Bool = false) throws -> Double {
        let folder = directory + "/raw-write"
        try? FileManager.default.removeItem(atPath: folder)
        guard mkdir(folder, 0o755) == 0 else { throw BenchError("offline: cannot create \(folder)") }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let chunk = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        let started = monotonicNanoseconds()
        for (index, bytes) in files.enumerated() {
            let path = folder + "/\(index)"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw BenchError("offline: cannot create \(path)") }
            defer { close(fd) }
            var written = 0
            var writebackFrom = 0
            while written < bytes {
                let n = min(chunk.count, bytes - written)
                guard chunk.withUnsafeBytes({ write(fd, $0.baseAddress, n) }) == n else { throw BenchError("offline: writing \(path) failed") }
                written += n
                if startingWriteback, written - writebackFrom >= 8 << 20 {
                    _ = sitestream_start_writeback(fd, Int64(writebackFrom), Int64(written - writebackFrom))
                    writebackFrom = written
                }
            }
            guard fsync(fd) == 0 else { throw BenchError("offline: fsync of \(path) failed") }
        }
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else { throw BenchError("offline: fsync of \(folder) failed") }
        close(fd)
        return Double(files.reduce(0, +)) / (Double(monotonicNanoseconds() - started) / 1e9)
    }
}
