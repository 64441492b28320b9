import Testing
import SiteStreamJSON
import DocumentModel
@testable import ERPFixtures

/// The fixtures and the generator against the real DocumentModel: every fixture DocType loads,
/// every generated document validates, and the update pairs diff to exactly the promised shape.
@Suite struct DocumentModelIntegrationTests {
    static func schema() throws -> Schema {
        let files = try ERPFixtures.docTypeFiles.map { ($0.name, try JSON(parsing: $0.json)) }
        let (schema, warnings) = try Schema.loading(files)
        #expect(warnings.isEmpty, "loading the fixtures warned: \(warnings)")
        return schema
    }

    static func validate(_ doc: JSON, in schema: Schema, previous: JSON? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let document = Document(json: doc) else {
            Issue.record("not an object: \(doc)", sourceLocation: sourceLocation)
            return
        }
        do {
            _ = try schema.validate(document, previous: previous.flatMap(Document.init(json:)))
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyFixtureDocTypeLoads() throws {
        let schema = try Self.schema()
        #expect(try ERPFixtures.schema().names == schema.names, "the convenience loader must load the same set")
        #expect(try ERPFixtures.mappingDocuments().count == ERPFixtures.mappingFiles.count)
        for name in DocTypeShapeTests.expectedDocTypes {
            #expect(schema[name] != nil, "\(name) did not load")
        }
        #expect(schema["Sales Invoice"]?.isSubmittable == true)
        #expect(schema["Sales Invoice Item"]?.isChildTable == true)
        #expect(schema["Sales Invoice"]?.field(named: "remarks")?.allowOnSubmit == true)
    }

    @Test(arguments: [UInt64(0), 42, .max])
    func everyGeneratedDocumentValidates(seed: UInt64) throws {
        let schema = try Self.schema()
        var g = ERPDocumentGenerator(seed: seed)
        for doc in g.masterData() { Self.validate(doc, in: schema) }
        for i in 0..<20 {
            let invoice = g.salesInvoice(rows: 1 + i, submitted: i % 2 == 0)
            for doc in [invoice, g.salesOrder(rows: 1 + i, submitted: i % 3 == 0), g.purchaseOrder(rows: 1 + i),
                        g.newCustomer(), g.address(forCustomer: i), g.contact(forCustomer: i)] + g.glEntries(for: invoice) {
                Self.validate(doc, in: schema)
            }
        }
    }

    @Test func mappingDocumentsValidateAsSystemDocuments() throws {
        let schema = try Self.schema()
        for file in ERPFixtures.mappingFiles {
            Self.validate(try JSON(parsing: file.json), in: schema)
        }
    }

    @Test(arguments: [UInt64(0), 42, .max], [1, 20])
    func invoicePairDiffsToThreeChangedOneRowChangedOneAdded(seed: UInt64, rows: Int) throws {
        let schema = try Self.schema()
        var g = ERPDocumentGenerator(seed: seed)
        for _ in 0..<10 {
            let (old, new) = g.invoiceUpdatePair(rows: rows)
            Self.validate(new, in: schema, previous: old)
            let oldDoc = try #require(Document(json: old)), newDoc = try #require(Document(json: new))
            let diff = try DocumentDiff.between(oldDoc, newDoc, in: schema)
            #expect(Set(diff.changed.keys) == Set(ERPDocumentGenerator.invoiceUpdateFields))
            #expect(diff.changedRows(of: "items").count == 1)
            #expect(diff.addedRows(of: "items").count == 1)
            #expect(diff.removedRows(of: "items").isEmpty)
            #expect(try diff.apply(to: oldDoc) == newDoc, "applying the diff to old must give new")
        }
    }

    @Test(arguments: [UInt64(0), 42, .max])
    func customerPairDiffsToThreeChangedFields(seed: UInt64) throws {
        let schema = try Self.schema()
        var g = ERPDocumentGenerator(seed: seed)
        for _ in 0..<20 {
            let (old, new) = g.customerUpdatePair()
            Self.validate(new, in: schema, previous: old)
            let oldDoc = try #require(Document(json: old)), newDoc = try #require(Document(json: new))
            let diff = try DocumentDiff.between(oldDoc, newDoc, in: schema)
            #expect(diff.changed.count == 3 && diff.tables.isEmpty)
            #expect(try diff.apply(to: oldDoc) == newDoc)
        }
    }

    /// The invoice fields the update pair edits are the ones allowed to change after submit,
    /// so the same edit is a legal update of a submitted invoice.
    @Test func submittedInvoiceAcceptsTheTopLevelEditsOfThePair() throws {
        let schema = try Self.schema()
        var g = ERPDocumentGenerator(seed: 5)
        let submitted = g.salesInvoice(rows: 3, submitted: true)
        let (_, edited) = g.invoiceUpdatePair(rows: 3)
        var new = submitted
        for field in ERPDocumentGenerator.invoiceUpdateFields { new[field] = edited[field] }
        #expect(new != submitted)
        Self.validate(new, in: schema, previous: submitted)
        // …while changing a row's quantity after submit is refused.
        var rowEdit = submitted
        var items = submitted["items"]?.arrayValue ?? []
        items[0]["qty"] = .double(999)
        rowEdit["items"] = .array(items)
        let result = Result { try schema.validate(try #require(Document(json: rowEdit)), previous: Document(json: submitted)) }
        #expect(throws: (any Error).self) { try result.get() }
    }
}
