import DocumentModel
import SiteStreamJSON
import Testing

@Suite struct SystemDocTypeTests {
    @Test func everySchemaHasTheSystemDocTypes() {
        let schema = Schema.system
        for name in [
            "User", "Role", "Has Role", "Event Producer", "Event Producer Document Type", "Event Consumer",
            "Event Consumer Document Type", "Event Sync Log", "Document Type Mapping", "Document Type Field Mapping",
            "Event Update Log",
        ] {
            #expect(schema[name] != nil, "missing system DocType \(name)")
        }
        #expect(TestDocTypes.schema["User"] != nil)
    }

    @Test func userUsesFrappeFieldNames() throws {
        let user = try #require(Schema.system["User"])
        for f in ["email", "first_name", "full_name", "enabled", "roles"] {
            #expect(user.field(named: f) != nil, "User lacks \(f)")
        }
        #expect(user.field(named: "roles")?.fieldtype == .table)
        #expect(user.field(named: "roles")?.targetDocType == "Has Role")
        #expect(Schema.system["Has Role"]?.isChildTable == true)
        #expect(Schema.system["Has Role"]?.field(named: "role")?.targetDocType == "Role")
        #expect(Schema.system["Role"]?.field(named: "role_name")?.reqd == true)
        #expect(user.field(named: "api_secret")?.fieldtype == .password)
    }

    @Test func streamingRecordsFollowTheEventStreamingApp() throws {
        let s = Schema.system
        let producer = try #require(s["Event Producer"])
        #expect(producer.field(named: "producer_url")?.fieldtype == .data)
        #expect(producer.field(named: "producer_doctypes")?.targetDocType == "Event Producer Document Type")
        #expect(producer.field(named: "api_secret")?.fieldtype == .password)
        #expect(producer.field(named: "user")?.targetDocType == "User")
        #expect(producer.field(named: "incoming_change")?.fieldtype == .check)
        let pdt = try #require(s["Event Producer Document Type"])
        #expect(pdt.isChildTable)
        #expect(pdt.field(named: "status")?.selectOptions == ["Pending", "Approved", "Rejected"])
        for f in ["ref_doctype", "use_same_name", "unsubscribe", "condition", "has_mapping", "mapping"] {
            #expect(pdt.field(named: f) != nil, "Event Producer Document Type lacks \(f)")
        }
        let consumer = try #require(s["Event Consumer"])
        for f in ["callback_url", "consumer_doctypes", "api_key", "api_secret", "user", "incoming_change"] {
            #expect(consumer.field(named: f) != nil, "Event Consumer lacks \(f)")
        }
        let cdt = try #require(s["Event Consumer Document Type"])
        for f in ["ref_doctype", "status", "unsubscribed", "condition"] { #expect(cdt.field(named: f) != nil) }
        let sync = try #require(s["Event Sync Log"])
        #expect(sync.field(named: "status")?.selectOptions.contains("Failed") == true)
        for f in ["update_type", "ref_doctype", "event_producer", "docname", "data", "error", "use_same_name", "mapping"] {
            #expect(sync.field(named: f) != nil, "Event Sync Log lacks \(f)")
        }
        let mapping = try #require(s["Document Type Mapping"])
        for f in ["local_doctype", "remote_doctype", "field_mapping", "mapping_name"] { #expect(mapping.field(named: f) != nil) }
        let fieldMapping = try #require(s["Document Type Field Mapping"])
        #expect(fieldMapping.field(named: "mapping_type")?.selectOptions == ["", "Child Table", "Document"])
        for f in ["local_fieldname", "remote_fieldname", "mapping", "default_value", "remote_value_filters"] {
            #expect(fieldMapping.field(named: f) != nil)
        }
        #expect(s["Event Update Log"]?.isReadOnly == true)
    }

    @Test func linkToDocTypeIsCheckedAgainstInstalledDocTypes() throws {
        let schema = TestDocTypes.schema
        var consumer = Document(doctype: "Event Consumer", name: "site-b", [
            "callback_url": "http://b", "user": "Administrator",
            "consumer_doctypes": [["name": "r1", "ref_doctype": "Test Invoice", "status": "Approved"]],
        ])
        _ = try schema.validate(consumer)
        consumer["consumer_doctypes"] = [["name": "r1", "ref_doctype": "Sales Invoice", "status": "Approved"]]
        let error = #expect(throws: ValidationError.self) { try schema.validate(consumer) }
        #expect(error?.issues.count == 1)
        #expect(error?.issues.first?.code == .invalidLink)
        #expect(error?.issues.first?.table == "consumer_doctypes")
        #expect(error?.issues.first?.row == 1)
        #expect(error?.description.contains("Sales Invoice") == true)
    }

    @Test func aFileNamedLikeASystemDocTypeIsSkippedWithAWarning() throws {
        let fake: JSON = ["doctype": "DocType", "name": "Role", "module": "Core",
                          "fields": [["fieldname": "something_else", "fieldtype": "Data"]]]
        let mine: JSON = ["doctype": "DocType", "name": "Gadget", "module": "X", "fields": []]
        let (schema, warnings) = try Schema.loading([("role.json", fake), ("gadget.json", mine)])
        #expect(warnings.count == 1)
        #expect(warnings.first?.kind == .systemDocTypeSkipped)
        #expect(warnings.first?.file == "role.json")
        #expect(warnings.first?.description.contains("system DocType") == true)
        #expect(schema["Role"]?.field(named: "role_name") != nil)
        #expect(schema["Role"]?.field(named: "something_else") == nil)
        #expect(schema["Gadget"] != nil)
    }

    @Test func systemDocTypesRoundTripThroughJSON() throws {
        for doctype in SystemDocTypes.all {
            let again = try DocType(json: doctype.json)
            #expect(again.name == doctype.name)
            #expect(again.fields == doctype.fields)
            #expect(again.namingRule == doctype.namingRule)
            #expect(again.isChildTable == doctype.isChildTable)
        }
    }
}
