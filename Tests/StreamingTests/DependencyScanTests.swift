import DocumentModel
import EventLog
import Site
import SiteStreamJSON
import SnapshotStore
@testable import Streaming
import Testing

/// An export finds a Create's dependencies in the fields links live in, scanned out of the
/// payload (`DependencyScans`): it must find exactly the links the whole document has.
@Suite("Export: dependencies found from the linking fields")
struct DependencyScanTests {
    @Test("Link, Dynamic Link and child-table links are found as in the whole document, deflated payloads too")
    func sameLinks() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let site = pair.producerSite
        let manyRows = (0..<60).map { (code: "I-\($0 % 2)", qty: Double($0 + 1), rate: 2.5) }
        try await site.write { tx in
            try tx.insert(Docs.customerGroup("Retail"))
            try tx.insert(Docs.territory("North"))
            try tx.insert(Docs.customer("Acme", group: "Retail", territory: "North"))
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("I-0", group: "Tools"))
            try tx.insert(Docs.item("I-1", group: "Tools"))
            try tx.insert(Docs.invoice(customer: "Acme", items: [(code: "I-0", qty: 1, rate: 3), (code: "I-1", qty: 2, rate: 4)]))
            try tx.insert(Docs.invoice(customer: "Acme", items: manyRows))
            try tx.insert(Docs.address("Acme billing", linkedTo: [(doctype: "Customer", name: "Acme"), (doctype: "Territory", name: "North")]))
        }
        let batch = try site.log.read(after: nil, maxEntries: 1000, maxBytes: 64 << 20)
        var offset = 0
        var deflated = 0
        var checked = 0
        for _ in batch.cursors {
            let peek = try #require(FramePeek(batch.bytes, at: offset))
            let frame = batch.bytes[offset..<offset + peek.length]
            offset += peek.length
            guard peek.updateType == UpdateType.create.rawValue else { continue }
            if frame[frame.startIndex + 25] & 1 != 0 { deflated += 1 }
            let whole = try #require(Document(json: try JSON(parsing: RecordFrame.decode(Array(frame)).record.payload)))
            var scans = DependencyScans(site: site)
            let scanned = try #require(try scans.linkingFields(of: frame, doctype: peek.doctype))
            #expect(site.linkTargets(of: scanned) == site.linkTargets(of: whole), "\(peek.doctype) \(peek.docname)")
            if frame[frame.startIndex + 25] & 1 == 0 {
                // Only what links live in was read.
                #expect(scanned.object.count < whole.object.count, "\(peek.doctype) \(peek.docname)")
            }
            checked += 1
        }
        #expect(checked >= 9)  // ours, and the records the site made when it was created
        #expect(deflated >= 1)
        var scans = DependencyScans(site: site)
        #expect(site.linkTargets(of: try #require(try scans.linkingFields(of: frame(site, doctype: "Address"), doctype: "Address")))
            .contains(DocumentKey(doctype: "Customer", name: "Acme")))
    }

    @Test("a Create whose linking fields hold what the previous one's held is passed over; any difference is not")
    func sameLinksPassedOver() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let site = pair.producerSite
        try await site.write { tx in
            try tx.insert(Docs.customerGroup("Retail"))
            try tx.insert(Docs.customerGroup("Wholesale"))
            try tx.insert(Docs.territory("North"))
            try tx.insert(Docs.customer("A", group: "Retail"))
            try tx.insert(Docs.customer("B", group: "Retail"))  // same links as A
            try tx.insert(Docs.customer("C", group: "Wholesale"))
            try tx.insert(Docs.customer("D", group: "Wholesale", territory: "North"))
            try tx.insert(Docs.customer("E", group: "Wholesale", territory: "North"))  // same as D
            try tx.insert(Docs.customer("F", group: "Retail"))  // as A, but not as the one before
        }
        var scans = DependencyScans(site: site)
        var found: [String: [DocumentKey]?] = [:]
        for name in ["A", "B", "C", "D", "E", "F"] {
            found.updateValue(try scans.linkingFields(of: frame(site, doctype: "Customer", name: name), doctype: "Customer").map(site.linkTargets(of:)),
                              forKey: name)
        }
        let retail = DocumentKey(doctype: "Customer Group", name: "Retail")
        let wholesale = DocumentKey(doctype: "Customer Group", name: "Wholesale")
        let north = DocumentKey(doctype: "Territory", name: "North")
        #expect(found["A"] == .some([retail]))
        #expect(found["B"] == .some(nil))
        #expect(found["C"] == .some([wholesale]))
        #expect(Set(try #require(found["D"] ?? nil)) == [wholesale, north])
        #expect(found["E"] == .some(nil))
        #expect(found["F"] == .some([retail]))
    }

    /// The first Create of `doctype` (named `name`, if given) in `site`'s log.
    func frame(_ site: Site, doctype: String, name: String? = nil) throws -> ArraySlice<UInt8> {
        let batch = try site.log.read(after: nil, maxEntries: 1000, maxBytes: 64 << 20)
        var offset = 0
        for _ in batch.cursors {
            let peek = try #require(FramePeek(batch.bytes, at: offset))
            if peek.doctype == doctype, name == nil || peek.docname == name { return batch.bytes[offset..<offset + peek.length] }
            offset += peek.length
        }
        throw StreamError(.notFound, "no \(doctype) in the log")
    }
}
