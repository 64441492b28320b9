import Foundation
import Logging
import SnapshotStore
import SystemPackage
import Testing

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL
    var path: FilePath { FilePath(url.path) }

    init(_ label: String = #function) throws {
        let clean = label.filter { $0.isLetter || $0.isNumber }
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("snapshotstore-\(clean.prefix(40))-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    init(existing url: URL) { self.url = url }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The store's current data file.
    func dataFile() throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasPrefix("data-") && $0.hasSuffix(".ssd") }
        try #require(names.count == 1, "expected one data file, found \(names)")
        return url.appendingPathComponent(names[0])
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "snapshotstore.tests")
    logger.logLevel = .critical
    return logger
}()

func openStore(_ directory: TemporaryDirectory, automaticCompaction: Bool = false,
               configure: (inout SnapshotStore.Configuration) -> Void = { _ in }) throws -> SnapshotStore {
    var configuration = SnapshotStore.Configuration()
    configuration.automaticCompaction = automaticCompaction
    configure(&configuration)
    return try SnapshotStore(directory: directory.path, configuration: configuration, logger: testLogger)
}

func key(_ doctype: String, _ name: String) -> DocumentKey { DocumentKey(doctype: doctype, name: name) }

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Checks that `store` holds exactly what `model` says: every document, counts, name order,
/// every term's postings, and that no key outside the model exists.
func expectStore(_ store: SnapshotStore, equals model: StoreModel, candidates: [DocumentKey],
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    for candidate in candidates {
        let stored = try store.get(candidate)
        #expect(stored == model.documents[candidate]?.document, "document \(candidate)", sourceLocation: sourceLocation)
        #expect(store.contains(candidate) == (model.documents[candidate] != nil), "contains \(candidate)", sourceLocation: sourceLocation)
    }
    for doctype in Set(candidates.map(\.doctype)) {
        #expect(store.count(doctype: doctype) == model.names(doctype: doctype).count, "count of \(doctype)", sourceLocation: sourceLocation)
        #expect(store.names(doctype: doctype, limit: Int.max) == model.names(doctype: doctype), "names of \(doctype)", sourceLocation: sourceLocation)
    }
    for term in model.allTerms {
        #expect(store.keys(matching: term) == model.keys(matching: term), "postings of \(term)", sourceLocation: sourceLocation)
    }
    #expect(store.documentCount == model.documents.count, "document count", sourceLocation: sourceLocation)
}

/// Every key the crash-child workload can touch.
let workloadKeys: [DocumentKey] = StoreWorkload.doctypes.flatMap { doctype in
    (0..<StoreWorkload.namesPerDoctype).map { DocumentKey(doctype: doctype, name: "\(doctype.prefix(4).uppercased())-\($0)") }
}

/// Flips one byte of a file in place.
func flipByte(of url: URL, at offset: UInt64) throws {
    let handle = try FileHandle(forUpdating: url)
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    let old = try #require(try handle.read(upToCount: 1)).first!
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: [old ^ 0x5A])
}

func fileSize(_ url: URL) throws -> UInt64 {
    (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.uint64Value ?? 0
}

func truncateFile(_ url: URL, to size: UInt64) throws {
    let handle = try FileHandle(forUpdating: url)
    defer { try? handle.close() }
    try handle.truncate(atOffset: size)
}
