import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore

/// A fresh directory under the system's temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let url: URL

    init(_ label: String = "site") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sitestream-test-\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}

enum SiteFixture {
    /// Creates a site in `directory` with the ERP DocTypes and returns it opened.
    static func makeSite(in directory: URL, name: String = "head-office", durability: SiteSettings.Durability = .none,
                         controllers: ControllerRegistry = .erp, store: SnapshotStore.Configuration = .init()) async throws -> Site {
        let layout = SiteLayout(root: directory)
        var settings = SiteSettings()
        settings.durability = durability
        try await Site.create(at: layout, name: name, url: nil, settings: settings)
        return try Site.open(at: layout, controllers: controllers, store: store)
    }

    /// Inserts the generator's master data (groups, territories, items, customers, suppliers).
    static func insertMasterData(_ site: Site, generator: ERPDocumentGenerator) async throws {
        let documents = generator.masterData()
        try await site.write { tx in
            for json in documents {
                try tx.insert(Document(json: json)!)
            }
        }
    }

    /// Every document of every DocType, serialized, for comparing two states of a site.
    static func snapshot(_ site: Site) throws -> [String: [UInt8]] {
        var all: [String: [UInt8]] = [:]
        for doctype in site.schema.names {
            for document in try site.list(doctype, limit: Int.max) {
                all["\(doctype)/\(document.name ?? "")"] = document.json.serialized()
            }
        }
        return all
    }
}

/// Everything a refused write must leave as it was: every document's bytes, the log's last
/// sequence, and the store's folded sequence and data file size.
struct SiteState: Equatable {
    var documents: [String: [UInt8]]
    var logLastSequence: UInt64
    var storeSequence: UInt64
    var storeBytes: UInt64

    init(_ site: Site) throws {
        documents = try SiteFixture.snapshot(site)
        logLastSequence = site.log.lastWrittenSequence
        storeSequence = site.store.lastAppliedSequence
        storeBytes = site.store.dataFileStatistics.size
    }
}
