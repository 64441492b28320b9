import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Testing

/// `log_compress_above` in `site.json`: whether the site's log deflates large payloads. Off by
/// default; a site may turn it on, and its log then holds both kinds of record, read alike.
@Suite("The log's payload compression setting")
struct LogCompressionSettingTests {
    /// An Item whose description makes its Create about 20 KB: a payload any threshold below
    /// that deflates.
    static func largeItem(_ code: String) -> Document {
        Document(doctype: "Item", ["item_code": .string(code), "item_name": .string("Item \(code)"), "item_group": "Tools",
                                   "stock_uom": "Nos", "description": .string(String(repeating: "A long, repetitive description. ", count: 600))])
    }

    static func records(_ site: Site) throws -> [LogRecord] {
        try site.log.read(after: nil, maxEntries: 100_000, maxBytes: 256 << 20).records()
    }

    @Test("off by default: a large Create is stored as it is; turned on: deflated, and both read back alike")
    func defaultOffThenOn() async throws {
        let directory = try TemporaryDirectory("compress")
        defer { directory.cleanUp() }
        let layout = SiteLayout(root: directory.url)
        // Durability always: a reader of the log sees an entry once it is durable.
        var created = SiteSettings()
        created.durability = .always
        #expect(created.logCompressAbove == 0)
        try await Site.create(at: layout, name: "head-office", url: nil, settings: created)
        var site = try Site.open(at: layout)
        #expect(site.identity.settings.logCompressAbove == 0)
        try await site.write { tx in
            try tx.insert(Document(doctype: "Item Group", ["item_group_name": "Tools"]))
            try tx.insert(Self.largeItem("PLAIN"))
        }
        let plain = try #require(try Self.records(site).first { $0.docname == "PLAIN" })
        #expect(plain.wasCompressed == false)
        try site.close()

        // Turned on in site.json, as an administrator would.
        var identity = try SiteIdentity(json: try JSON(parsing: Array(try Data(contentsOf: layout.identityFile))), file: "site.json")
        identity.settings.logCompressAbove = 4096
        try Data(identity.json.serialized()).write(to: layout.identityFile)
        site = try Site.open(at: layout)
        defer { try? site.close() }
        try await site.write { tx in try tx.insert(Self.largeItem("DEFLATED")) }
        let records = try Self.records(site)
        let deflated = try #require(records.first { $0.docname == "DEFLATED" })
        #expect(deflated.wasCompressed == true)
        // Read back inflated: the same document but for its name.
        #expect(abs(deflated.payload.count - plain.payload.count) < 64)
        // Small payloads stay as they are whatever the threshold.
        #expect(records.filter { $0.payload.count <= 4096 && $0.wasCompressed }.count == 0)
        #expect(try site.get("Item", "PLAIN")?["description"] == Self.largeItem("PLAIN")["description"])
        #expect(try site.get("Item", "DEFLATED")?["description"] == Self.largeItem("DEFLATED")["description"])

        // A store rebuilt from the mixed log gives the same documents.
        let before = try SiteFixture.snapshot(site)
        try site.close()
        try FileManager.default.removeItem(at: layout.storeDirectory)
        site = try Site.open(at: layout)
        #expect(try SiteFixture.snapshot(site) == before)
    }

    @Test("site.json round trip, and a bad value refused naming the setting", arguments: [
        (JSON.int(-1), true), (JSON.string("4096"), true), (JSON.double(1.5), true), (JSON.int(0), false), (JSON.int(65536), false),
    ])
    func parsing(value: JSON, refused: Bool) throws {
        var settings = SiteSettings()
        settings.logCompressAbove = 1234
        #expect(try SiteSettings(json: settings.json, file: "site.json").logCompressAbove == 1234)
        var object = try #require(settings.json.objectValue)
        object["log_compress_above"] = value
        do {
            let parsed = try SiteSettings(json: .object(object), file: "site.json")
            #expect(!refused, "\(value) was taken")
            #expect(parsed.logCompressAbove == Int(value.intValue ?? -1))
        } catch let error as SiteError {
            #expect(refused, "\(value): \(error)")
            #expect("\(error)".contains("log_compress_above"))
            #expect("\(error)".contains("site.json"))
        }
    }
}
