import Testing
import SiteStreamJSON
import DocumentModel
@testable import ERPFixtures

/// The shipped `Document Type Mapping` documents name real DocTypes and fields, obey Frappe's
/// rule that a Link or Table target needs an inner mapping or a default, and come in an order
/// that inserts every mapping after the mappings it names.
@Suite struct MappingShapeTests {
    @Test func mappingsNameRealDocTypesFieldsAndEarlierMappings() throws {
        let doctypes = try loadFixtureDocTypes()
        var earlier: [String: JSON] = [:]
        #expect(ERPFixtures.mappingFiles.count == 3)
        for file in ERPFixtures.mappingFiles {
            let doc = try JSON(parsing: file.json)
            let name = try #require(doc["name"]?.stringValue, "\(file.name): no name")
            #expect(doc["doctype"] == "Document Type Mapping")
            #expect(doc["mapping_name"]?.stringValue == name)
            let local = try #require(doctypes[doc["local_doctype"]?.stringValue ?? ""], "\(file.name): unknown local_doctype")
            let remote = try #require(doctypes[doc["remote_doctype"]?.stringValue ?? ""], "\(file.name): unknown remote_doctype")
            let rows = try #require(doc["field_mapping"]?.arrayValue)
            #expect(!rows.isEmpty)
            for (i, row) in rows.enumerated() {
                let place = "\(file.name) row \(i + 1)"
                #expect(row["doctype"] == "Document Type Field Mapping", "\(place): doctype")
                #expect(row["idx"] == .int(Int64(i + 1)) && row["parent"] == .string(name), "\(place): idx/parent")
                #expect(row["parentfield"] == "field_mapping" && row["parenttype"] == "Document Type Mapping", "\(place): parentfield/parenttype")
                let localField = try #require(local.field(row["local_fieldname"]?.stringValue ?? ""), "\(place): local_fieldname not in \(local.name)")
                let remoteName = row["remote_fieldname"]?.stringValue
                let remoteField = remoteName.flatMap(remote.field)
                if remoteName != nil { #expect(remoteField != nil, "\(place): remote_fieldname not in \(remote.name)") }
                let inner = row["mapping"]?.stringValue
                if let inner {
                    let innerDoc = try #require(earlier[inner], "\(place): mapping \(inner) is not shipped before this one")
                    switch row["mapping_type"]?.stringValue {
                    case "Child Table":
                        #expect(innerDoc["local_doctype"]?.stringValue == localField.options, "\(place): inner local DocType")
                        #expect(innerDoc["remote_doctype"]?.stringValue == remoteField?.options, "\(place): inner remote DocType")
                    case "Document":
                        #expect(innerDoc["local_doctype"]?.stringValue == localField.options, "\(place): inner local DocType")
                        #expect(row["remote_value_filters"]?.stringValue.map { (try? JSON(parsing: $0))?.objectValue != nil } == true,
                                "\(place): remote_value_filters must be a JSON object text")
                    default:
                        Issue.record("\(place): mapping without a mapping_type")
                    }
                }
                if ["Link", "Dynamic Link", "Table"].contains(localField.fieldtype) {
                    #expect(inner != nil || row["default_value"]?.stringValue != nil,
                            "\(place): \(localField.fieldname) is a \(localField.fieldtype) and needs a mapping or a default")
                }
            }
            earlier[name] = doc
        }
        #expect(earlier[ERPFixtures.salesOrderToPurchaseOrderMapping] != nil)
    }

    @Test func defaultsOfLinksNameMastersTheGeneratorProvides() throws {
        let masters = ERPDocumentGenerator(seed: 1).masterData()
        let schema = try ERPFixtures.schema()
        for file in ERPFixtures.mappingFiles {
            let doc = try JSON(parsing: file.json)
            let local = schema[doc["local_doctype"]?.stringValue ?? ""]
            for row in doc["field_mapping"]?.arrayValue ?? [] {
                guard let value = row["default_value"]?.stringValue else { continue }
                // Only a Link's default names a master (a naming series or a status does not).
                guard local?.field(named: row["local_fieldname"]?.stringValue ?? "")?.fieldtype == .link else { continue }
                #expect(masters.contains { $0["name"]?.stringValue == value }, "\(file.name): default \(value) is not among the master data")
            }
        }
    }
}
