import DocumentModel
import ERPFixtures
import SiteStreamJSON
import Testing

/// The built-in ERP DocTypes load, the generator's documents validate against them, and its
/// update pairs diff and apply as promised.
@Suite struct ERPFixtureDocumentTests {
    static func schema() throws -> (Schema, [SchemaWarning]) {
        try Schema.loading(ERPFixtures.docTypeFiles.map { (name: $0.name, bytes: Array($0.json.utf8)) })
    }

    @Test func fixtureDocTypesLoadWithoutWarnings() throws {
        let (schema, warnings) = try Self.schema()
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(schema["Sales Invoice"]?.isSubmittable == true)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func generatedDocumentsValidateUnchanged(seed: UInt64) throws {
        let (schema, _) = try Self.schema()
        var generator = ERPDocumentGenerator(seed: seed)
        var documents = generator.masterData()
        for i in 0..<10 {
            documents.append(generator.salesInvoice(rows: 1 + i, submitted: i % 2 == 0))
            documents.append(generator.salesOrder(rows: 2, submitted: false))
            documents.append(generator.purchaseOrder(rows: 3, submitted: true))
        }
        for json in documents {
            let doc = try #require(Document(json: json))
            let validated = try schema.validate(doc)
            // Already typed right: validation changes nothing a diff would see.
            #expect(try DocumentDiff.between(doc, validated, in: schema).isEmpty, "\(doc.doctype) \(doc.name ?? "")")
        }
    }

    @Test(arguments: [1, 20, 200])
    func invoiceUpdatePairsDiffAsDescribed(rows: Int) throws {
        let (schema, _) = try Self.schema()
        var generator = ERPDocumentGenerator(seed: 77)
        for _ in 0..<20 {
            let (oldJSON, newJSON) = generator.invoiceUpdatePair(rows: rows)
            let old = try #require(Document(json: oldJSON)), new = try #require(Document(json: newJSON))
            let diff = try DocumentDiff.between(old, new, in: schema)
            #expect(Set(diff.changed.keys) == Set(ERPDocumentGenerator.invoiceUpdateFields))
            #expect(diff.addedRows(of: "items").count == 1)
            #expect(diff.changedRows(of: "items").count == 1)
            #expect(Set(diff.changedRows(of: "items")[0].keys) == ["name", "qty", "amount"])
            #expect(diff.removed.isEmpty)
            // Same rows in the same order here, so the result equals the new version exactly.
            #expect(try diff.apply(to: old) == new)
            _ = try schema.validate(new, previous: old)
        }
    }
}
