import SiteStreamJSON
import Testing

@testable import SiteServer

@Suite("frappe.client method API")
struct MethodRoutesTests {
    @Test func getListWithQueryStringArguments() async throws {
        try await TestServer.with { server in
            server.seedCustomers(5)
            let target = "/api/method/frappe.client.get_list?doctype=Customer&fields=\(q(#"["name","customer_group"]"#))&filters=\(q(#"[["customer_group","=","Wholesale"]]"#))&order_by=name&limit_page_length=2"
            let reply = try await server.get(target)
            #expect(reply.json == ["message": [
                ["name": "C-001", "customer_group": "Wholesale"],
                ["name": "C-003", "customer_group": "Wholesale"],
            ]])
        }
    }

    @Test func getListWithAJSONBodyCarryingRealJSONValues() async throws {
        try await TestServer.with { server in
            server.seedCustomers(5)
            let reply = try await server.sendJSON("POST", "/api/method/frappe.client.get_list", [
                "doctype": "Customer", "fields": ["name"], "filters": ["credit_limit": [">=", 400]], "order_by": "name asc",
            ])
            #expect(reply.json == ["message": [["name": "C-004"], ["name": "C-005"]]])
        }
    }

    @Test func getByNameOrByFilters() async throws {
        try await TestServer.with { server in
            server.seedCustomers(3)
            let byName = try await server.get("/api/method/frappe.client.get?doctype=Customer&name=C-002")
            #expect(byName.json?["message"]?["customer_name"] == "Customer 2")
            let byFilters = try await server.get("/api/method/frappe.client.get?doctype=Customer&filters=\(q(#"{"customer_name": "Customer 3"}"#))")
            #expect(byFilters.json?["message"]?["name"] == "C-003")
            let missing = try await server.get("/api/method/frappe.client.get?doctype=Customer&name=C-404")
            expectError(missing, status: 404, excType: "DoesNotExistError", contains: "C-404")
            let noArgs = try await server.get("/api/method/frappe.client.get?doctype=Customer")
            expectError(noArgs, status: 400, excType: "DataError", contains: "\"name\" or \"filters\"")
        }
    }

    @Test func getValueAsDictAsValueAndWhenNothingMatches() async throws {
        try await TestServer.with { server in
            server.seedCustomers(3)
            let one = try await server.get("/api/method/frappe.client.get_value?doctype=Customer&fieldname=customer_name&filters=C-002")
            #expect(one.json == ["message": ["customer_name": "Customer 2"]])
            let several = try await server.get("/api/method/frappe.client.get_value?doctype=Customer&fieldname=\(q(#"["customer_name","credit_limit"]"#))&filters=\(q(#"{"name": "C-003"}"#))")
            #expect(several.json == ["message": ["customer_name": "Customer 3", "credit_limit": 300]])
            let bare = try await server.get("/api/method/frappe.client.get_value?doctype=Customer&fieldname=credit_limit&filters=C-001&as_dict=0")
            #expect(bare.json == ["message": 100])
            let none = try await server.get("/api/method/frappe.client.get_value?doctype=Customer&fieldname=credit_limit&filters=C-999")
            #expect(none.json == ["message": [:]])
            let noneBare = try await server.get("/api/method/frappe.client.get_value?doctype=Customer&fieldname=credit_limit&filters=C-999&as_dict=false")
            #expect(noneBare.json == [:])
        }
    }

    @Test func setValueByFieldOrByDict() async throws {
        try await TestServer.with { server in
            server.seedCustomers(1)
            let single = try await server.sendForm(
                "POST", "/api/method/frappe.client.set_value",
                [("doctype", "Customer"), ("name", "C-001"), ("fieldname", "customer_group"), ("value", "Partner")])
            #expect(single.json?["message"]?["customer_group"] == "Partner", "\(single)")
            let dict = try await server.sendJSON("POST", "/api/method/frappe.client.set_value", [
                "doctype": "Customer", "name": "C-001", "fieldname": ["credit_limit": 5, "territory": "North"],
            ])
            #expect(dict.json?["message"]?["credit_limit"] == 5)
            #expect(dict.json?["message"]?["territory"] == "North")
            #expect(server.backend.writes.count == 2)
        }
    }

    @Test func insertInsertManySaveSubmitCancelDelete() async throws {
        try await TestServer.with { server in
            let inserted = try await server.sendJSON("POST", "/api/method/frappe.client.insert", [
                "doc": ["doctype": "Sales Invoice", "name": "SINV-1", "customer": "C-1"],
            ])
            #expect(inserted.json?["message"]?["docstatus"] == 0, "\(inserted)")

            let many = try await server.sendForm("POST", "/api/method/frappe.client.insert_many", [
                ("docs", #"[{"doctype":"Customer","customer_name":"A"},{"doctype":"Customer","name":"C-B","customer_name":"B"}]"#),
            ])
            #expect(many.json == ["message": ["CUST-1", "C-B"]], "\(many)")

            let saved = try await server.sendJSON("POST", "/api/method/frappe.client.save", [
                "doc": .string(#"{"doctype":"Sales Invoice","name":"SINV-1","customer":"C-2"}"#),
            ])
            #expect(saved.json?["message"]?["customer"] == "C-2", "\(saved)")

            let submitted = try await server.sendJSON("POST", "/api/method/frappe.client.submit", [
                "doc": ["doctype": "Sales Invoice", "name": "SINV-1", "docstatus": 0],
            ])
            #expect(submitted.json?["message"]?["docstatus"] == 1, "\(submitted)")

            let notDeletable = try await server.sendForm("POST", "/api/method/frappe.client.delete", [("doctype", "Sales Invoice"), ("name", "SINV-1")])
            expectError(notDeletable, status: 417, excType: "ValidationError", contains: "cannot be deleted")

            let cancelled = try await server.sendForm("POST", "/api/method/frappe.client.cancel", [("doctype", "Sales Invoice"), ("name", "SINV-1")])
            #expect(cancelled.json?["message"]?["docstatus"] == 2, "\(cancelled)")

            let deleted = try await server.sendForm("POST", "/api/method/frappe.client.delete", [("doctype", "Sales Invoice"), ("name", "SINV-1")])
            #expect(deleted.status == 200)
            #expect(deleted.json == [:])
            #expect(server.backend.documentCount("Sales Invoice") == 0)
        }
    }

    @Test func insertManyChecksEveryDocumentBeforeInsertingAny() async throws {
        try await TestServer.with { server in
            let reply = try await server.sendJSON("POST", "/api/method/frappe.client.insert_many", [
                "docs": [["doctype": "Customer", "customer_name": "A"], ["customer_name": "no doctype"]],
            ])
            expectError(reply, status: 400, excType: "DataError", contains: "docs[1] has no \"doctype\"")
            #expect(server.backend.writes.isEmpty)
            let tooMany = JSON.array(Array(repeating: ["doctype": "Item"], count: 201))
            let refused = try await server.sendJSON("POST", "/api/method/frappe.client.insert_many", ["docs": tooMany])
            expectError(refused, status: 417, excType: "ValidationError", contains: "at most 200")
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test func writesOverGETAreRefusedAndDoNothing() async throws {
        try await TestServer.with { server in
            server.seedCustomers(1)
            let reply = try await server.get("/api/method/frappe.client.set_value?doctype=Customer&name=C-001&fieldname=customer_group&value=X")
            expectError(reply, status: 405, excType: "MethodNotAllowed", contains: "POST")
            let legacy = try await server.get("/?cmd=frappe.client.delete&doctype=Customer&name=C-001")
            expectError(legacy, status: 405, excType: "MethodNotAllowed", contains: "POST")
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test func unknownMethodsAndMissingArguments() async throws {
        try await TestServer.with { server in
            let unknown = try await server.get("/api/method/frappe.client.rename_doc")
            expectError(unknown, status: 404, excType: "DoesNotExistError", contains: "no method \"frappe.client.rename_doc\"")
            let missing = try await server.get("/api/method/frappe.client.get_list")
            expectError(missing, status: 400, excType: "DataError", contains: "missing argument \"doctype\"")
            let badDoc = try await server.sendForm("POST", "/api/method/frappe.client.insert", [("doc", "{not json")])
            expectError(badDoc, status: 400, excType: "DataError", contains: "argument \"doc\"")
            let unknownDocType = try await server.get("/api/method/frappe.client.get_list?doctype=Nope")
            expectError(unknownDocType, status: 404, excType: "DoesNotExistError", contains: "DocType Nope not found")
            let noCmd = try await server.sendForm("POST", "/", [("doctype", "Customer")])
            expectError(noCmd, status: 400, excType: "DataError", contains: "missing \"cmd\"")
        }
    }

    @Test func legacyRootWithCmdAsFormPostAndAsGet() async throws {
        try await TestServer.with { server in
            server.backend.seed("Sales Invoice", [["name": "SINV-9", "customer": "C-1"]])
            let submitted = try await server.sendForm("POST", "/", [
                ("cmd", "frappe.client.submit"),
                ("doc", #"{"doctype": "Sales Invoice", "name": "SINV-9", "remarks": "sent by an old client"}"#),
            ])
            #expect(submitted.status == 200, "\(submitted)")
            #expect(submitted.json?["message"]?["docstatus"] == 1)
            #expect(submitted.json?["message"]?["remarks"] == "sent by an old client")

            let listed = try await server.get("/?cmd=frappe.client.get_list&doctype=\(q("Sales Invoice"))&fields=\(q(#"["name","docstatus"]"#))")
            #expect(listed.json == ["message": [["name": "SINV-9", "docstatus": 1]]])

            let again = try await server.sendForm("POST", "/", [
                ("cmd", "frappe.client.submit"), ("doc", #"{"doctype": "Sales Invoice", "name": "SINV-9"}"#),
            ])
            expectError(again, status: 417, excType: "ValidationError", contains: "not a draft")
        }
    }
}
