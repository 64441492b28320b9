import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Synchronization
import Testing

/// A controller that records every hook call ("hook docname") and does nothing else.
final class HookRecorder: DocumentController {
    let calls = Mutex<[String]>([])

    func take() -> [String] { calls.withLock { c in defer { c = [] }; return c } }

    private func note(_ hook: String, _ document: Document) {
        calls.withLock { $0.append(hook) }
    }

    func beforeInsert(_ document: inout Document, in transaction: SiteTransaction) throws { note("before_insert", document) }
    func validate(_ document: inout Document, in transaction: SiteTransaction) throws { note("validate", document) }
    func afterInsert(_ document: Document, in transaction: SiteTransaction) throws { note("after_insert", document) }
    func onUpdate(_ document: Document, in transaction: SiteTransaction) throws { note("on_update", document) }
    func onSubmit(_ document: Document, in transaction: SiteTransaction) throws { note("on_submit", document) }
    func onCancel(_ document: Document, in transaction: SiteTransaction) throws { note("on_cancel", document) }
    func onUpdateAfterSubmit(_ document: Document, in transaction: SiteTransaction) throws { note("on_update_after_submit", document) }
    func onTrash(_ document: Document, in transaction: SiteTransaction) throws { note("on_trash", document) }
}

@Suite struct ControllerHookTests {
    /// A site whose Sales Order hooks are recorded.
    static func recordingSite(in dir: TemporaryDirectory) async throws -> (Site, HookRecorder, ERPDocumentGenerator) {
        let recorder = HookRecorder()
        var registry = ControllerRegistry.erp
        registry.register(recorder, for: "Sales Order")
        let site = try await SiteFixture.makeSite(in: dir.url, controllers: registry)
        let generator = ERPDocumentGenerator(seed: 21)
        try await SiteFixture.insertMasterData(site, generator: generator)
        _ = recorder.take()
        return (site, recorder, generator)
    }

    @Test func eachHookFiresOnceInFrappesOrderThroughTheLifecycle() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var (site, recorder, generator) = try await Self.recordingSite(in: dir)
        defer { try? site.close() }

        let json = generator.salesOrder(rows: 2)
        let order = try await site.write { tx in try tx.insert(Document(json: json)!) }
        let name = try #require(order.name)
        #expect(recorder.take() == ["before_insert", "validate", "after_insert", "on_update"])

        _ = try await site.write { tx in try tx.update("Sales Order", name, with: ["po_no": "PO-1"]) }
        #expect(recorder.take() == ["validate", "on_update"])

        _ = try await site.write { tx in try tx.submit("Sales Order", name) }
        #expect(recorder.take() == ["validate", "on_update", "on_submit"])

        _ = try await site.write { tx in try tx.update("Sales Order", name, with: ["po_no": "PO-2"]) }
        #expect(recorder.take() == ["on_update_after_submit"])

        _ = try await site.write { tx in try tx.cancel("Sales Order", name) }
        #expect(recorder.take() == ["on_cancel"])

        try await site.write { tx in try tx.delete("Sales Order", name) }
        #expect(recorder.take() == ["on_trash"])
        #expect(!site.exists("Sales Order", name))
    }

    @Test func insertingSubmittedRunsOnSubmitAfterOnUpdate() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var (site, recorder, generator) = try await Self.recordingSite(in: dir)
        defer { try? site.close() }
        let json = generator.salesOrder(rows: 1, submitted: true)
        let order = try await site.write { tx in try tx.insert(Document(json: json)!) }
        #expect(order.docstatus == 1)
        #expect(recorder.take() == ["before_insert", "validate", "after_insert", "on_update", "on_submit"])
    }

    @Test func aSaveThatChangesNothingRunsValidateOnlyAndWritesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var (site, recorder, generator) = try await Self.recordingSite(in: dir)
        defer { try? site.close() }
        let json = generator.salesOrder(rows: 1)
        let order = try await site.write { tx in try tx.insert(Document(json: json)!) }
        _ = recorder.take()
        let before = try SiteState(site)
        let same = try await site.write { tx in try tx.save(order) }
        #expect(same == order)
        #expect(recorder.take() == ["validate"])
        #expect(try SiteState(site) == before)
    }

    @Test func aRefusedHookWritesNothingOfItsTransaction() async throws {
        struct Refuser: DocumentController {
            func onSubmit(_ document: Document, in transaction: SiteTransaction) throws {
                // Writes something first, then refuses: the write must vanish with the refusal.
                try transaction.insert(Document(doctype: "Territory", ["territory_name": "Left Behind"]))
                throw SiteError(.validation, "refused by the test", doctype: document.doctype, docname: document.name)
            }
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var registry = ControllerRegistry.erp
        registry.register(Refuser(), for: "Sales Order")
        let site = try await SiteFixture.makeSite(in: dir.url, controllers: registry)
        defer { try? site.close() }
        var generator = ERPDocumentGenerator(seed: 4)
        try await SiteFixture.insertMasterData(site, generator: generator)
        let json = generator.salesOrder(rows: 1)
        let order = try await site.write { tx in try tx.insert(Document(json: json)!) }
        let before = try SiteState(site)
        let error = await #expect(throws: SiteError.self) {
            try await site.write { tx in try tx.submit("Sales Order", order.name!) }
        }
        #expect(error?.message == "refused by the test")
        #expect(try SiteState(site) == before)
        #expect(!site.exists("Territory", "Left Behind"))
    }
}
