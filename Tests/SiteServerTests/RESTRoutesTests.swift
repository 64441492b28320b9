import SiteStreamJSON
import Testing

@testable import SiteServer

@Suite("REST resource API")
struct RESTRoutesTests {
    @Test func listDefaultsToTwentyNamesNewestFirst() async throws {
        try await TestServer.with { server in
            server.seedCustomers(30)
            let reply = try await server.get("/api/resource/Customer")
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("application/json") == true)
            let rows = reply.json?["data"]?.arrayValue ?? []
            #expect(rows.count == 20)
            #expect(rows.first == ["name": "C-030"])
            #expect(rows.last == ["name": "C-011"])
        }
    }

    @Test func fieldsStarAndDocTypeQualifiedFiltersFromAQueryString() async throws {
        try await TestServer.with { server in
            server.seedCustomers(6)
            let target = "/api/resource/Customer?fields=\(q(#"["*"]"#))&filters=\(q(#"[["Customer","customer_group","=","Retail"]]"#))&order_by=\(q("credit_limit asc"))"
            let reply = try await server.get(target)
            #expect(reply.status == 200, "\(reply)")
            let rows = reply.json?["data"]?.arrayValue ?? []
            #expect(rows.map { $0["name"] } == ["C-002", "C-004", "C-006"])
            #expect(rows.first?["customer_name"] == "Customer 2")
            #expect(rows.first?["credit_limit"] == 200)
        }
    }

    @Test func fieldsListDictFiltersAndPaging() async throws {
        try await TestServer.with { server in
            server.seedCustomers(10)
            let target = "/api/resource/Customer?fields=\(q(#"["name","credit_limit"]"#))&filters=\(q(#"{"credit_limit": [">", 300]}"#))&order_by=name%20desc&limit_start=1&limit_page_length=3"
            let reply = try await server.get(target)
            #expect(reply.json?["data"] == [
                ["name": "C-009", "credit_limit": 900],
                ["name": "C-008", "credit_limit": 800],
                ["name": "C-007", "credit_limit": 700],
            ])
        }
    }

    @Test func pageLengthIsCappedAndZeroMeansUpToTheCap() async throws {
        try await TestServer.with(configure: { $0.maxPageLength = 7 }) { server in
            server.seedCustomers(12)
            for length in ["0", "100"] {
                let reply = try await server.get("/api/resource/Customer?limit_page_length=\(length)")
                #expect(reply.json?["data"]?.arrayValue?.count == 7, "limit_page_length=\(length)")
            }
        }
    }

    @Test(arguments: [
        ("filters=\(q(#"[["customer_group","~","Retail"]]"#))", "unknown operator"),
        ("filters=\(q(#"[["customer_group","="]]"#))", "invalid filters"),
        ("filters=\(q(#"[["customer_group","=","Retail"]"#))", "not valid JSON"),
        ("order_by=\(q("modified desc; drop table tabCustomer"))", "invalid order_by"),
        ("fields=\(q(#"["count(*)"]"#))", "invalid fields"),
        ("limit_page_length=-5", "invalid limit_page_length"),
        ("filters=%ZZ", "bad percent-encoding"),
    ])
    func badListArgumentsAre400(query: String, message: String) async throws {
        try await TestServer.with { server in
            let reply = try await server.get("/api/resource/Customer?\(query)")
            expectError(reply, status: 400, excType: "DataError", contains: message)
        }
    }

    @Test func insertWithJSONBodyThenGetIt() async throws {
        try await TestServer.with { server in
            let reply = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_name": "Ada", "customer_group": "Retail"])
            #expect(reply.status == 200, "\(reply)")
            let doc = reply.json?["data"]
            #expect(doc?["doctype"] == "Customer")
            #expect(doc?["customer_name"] == "Ada")
            let name = try #require(doc?["name"]?.stringValue)
            let fetched = try await server.get("/api/resource/Customer/\(q(name))")
            #expect(fetched.json?["data"] == doc)
            #expect(server.backend.writes == ["insert Customer \(name)"])
        }
    }

    @Test func insertWithFormDataField() async throws {
        try await TestServer.with { server in
            let reply = try await server.sendForm(
                "POST", "/api/resource/Customer", [("data", #"{"name": "C-FORM", "customer_name": "Form & Co"}"#)])
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.json?["data"]?["name"] == "C-FORM")
            #expect(reply.json?["data"]?["customer_name"] == "Form & Co")
        }
    }

    @Test func insertErrorsMapToFrappeStatuses() async throws {
        try await TestServer.with { server in
            server.seedCustomers(1)
            let duplicate = try await server.sendJSON("POST", "/api/resource/Customer", ["name": "C-001", "customer_name": "Again"])
            expectError(duplicate, status: 409, excType: "DuplicateEntryError", contains: "C-001")
            let mandatory = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_group": "Retail"])
            expectError(mandatory, status: 417, excType: "MandatoryError", contains: "customer_name")
            let unknown = try await server.sendJSON("POST", "/api/resource/Customerr", ["customer_name": "X"])
            expectError(unknown, status: 404, excType: "DoesNotExistError", contains: "DocType Customerr not found")
            let notObject = try await server.sendJSON("POST", "/api/resource/Customer", [1, 2])
            expectError(notObject, status: 400, excType: "DataError", contains: "must be a JSON object")
            let noData = try await server.sendForm("POST", "/api/resource/Customer", [("customer_name", "X")])
            expectError(noData, status: 400, excType: "DataError", contains: "\"data\"")
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test(arguments: [
        #"{"customer_name": "Ada""#,
        #"{"customer_name": 'Ada'}"#,
        #"{"customer_name": "Ada"} trailing"#,
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func malformedJSONBodiesAre400(body: String) async throws {
        try await TestServer.with(configure: { $0.maxJSONDepth = 32 }) { server in
            let reply = try await server.client.send(
                "POST", "/api/resource/Customer", headers: [server.adminToken, ("Content-Type", "application/json")],
                body: Array(body.utf8))
            expectError(reply, status: 400, excType: "DataError", contains: "invalid JSON at line 1")
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        try await TestServer.with(configure: { $0.maxBodyBytes = 1024 }) { server in
            let big = JSON.object(["customer_name": .string(String(repeating: "x", count: 2000))])
            let reply = try await server.sendJSON("POST", "/api/resource/Customer", big)
            expectError(reply, status: 413, excType: "RequestEntityTooLarge", contains: "limit of 1024 bytes")
            // Exactly at the limit is fine.
            let padding = 1024 - #"{"customer_name":""}"#.utf8.count
            let fits = JSON.object(["customer_name": .string(String(repeating: "y", count: padding))])
            #expect(fits.serialized().count == 1024)
            let ok = try await server.sendJSON("POST", "/api/resource/Customer", fits)
            #expect(ok.status == 200, "\(ok)")
            #expect(server.backend.writes.count == 1)
        }
    }

    @Test func chunkedBodiesOverTheLimitAre413() async throws {
        try await TestServer.with(configure: { $0.maxBodyBytes = 1024 }) { server in
            let chunk = String(repeating: "z", count: 800)
            var raw = "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            raw += "Authorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            raw += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            raw += "320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n"
            let reply = try await server.client.sendRaw(Array(raw.utf8))
            #expect(reply.status == 413, "\(reply)")
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test func getUpdateAndDeleteOneDocument() async throws {
        try await TestServer.with { server in
            server.seedCustomers(2)
            let got = try await server.get("/api/resource/Customer/C-001")
            #expect(got.json?["data"]?["customer_name"] == "Customer 1")

            let updated = try await server.sendJSON("PUT", "/api/resource/Customer/C-001", ["credit_limit": 999, "name": "ignored"])
            #expect(updated.status == 200, "\(updated)")
            #expect(updated.json?["data"]?["credit_limit"] == 999)
            #expect(updated.json?["data"]?["name"] == "C-001")

            let viaForm = try await server.sendForm("PUT", "/api/resource/Customer/C-001", [("data", #"{"customer_group": "Partner"}"#)])
            #expect(viaForm.json?["data"]?["customer_group"] == "Partner")

            let deleted = try await server.client.send("DELETE", "/api/resource/Customer/C-002", headers: [server.adminToken])
            #expect(deleted.status == 202)
            #expect(deleted.json == ["message": "ok"])
            let gone = try await server.get("/api/resource/Customer/C-002")
            expectError(gone, status: 404, excType: "DoesNotExistError", contains: "Customer C-002 not found")
        }
    }

    @Test func staleUpdatesAreTimestampMismatches() async throws {
        try await TestServer.with { server in
            let inserted = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_name": "T"])
            let doc = try #require(inserted.json?["data"]?.objectValue)
            let name = try #require(doc["name"]?.stringValue)
            let first = try await server.sendJSON("PUT", "/api/resource/Customer/\(name)", ["credit_limit": 1, "modified": doc["modified"]!])
            #expect(first.status == 200, "\(first)")
            let stale = try await server.sendJSON("PUT", "/api/resource/Customer/\(name)", ["credit_limit": 2, "modified": doc["modified"]!])
            expectError(stale, status: 417, excType: "TimestampMismatchError", contains: "modified after you have opened it")
        }
    }

    @Test func percentEncodedSegmentsAreDecodedOnce() async throws {
        try await TestServer.with { server in
            server.backend.seed("Sales Invoice", [
                ["name": "SINV/2026/0001", "customer": "C-1"],
                ["name": "100% done", "customer": "C-2"],
                ["name": "A%2FB", "customer": "C-3"],
            ])
            let slash = try await server.get("/api/resource/Sales%20Invoice/SINV%2F2026%2F0001")
            #expect(slash.json?["data"]?["customer"] == "C-1", "\(slash)")
            let percent = try await server.get("/api/resource/Sales%20Invoice/100%25%20done")
            #expect(percent.json?["data"]?["customer"] == "C-2", "\(percent)")
            // %252F decodes once, to the literal text %2F.
            let twice = try await server.get("/api/resource/Sales%20Invoice/A%252FB")
            #expect(twice.json?["data"]?["customer"] == "C-3", "\(twice)")
        }
    }

    @Test(arguments: [
        ("/api/resource/Customer/..", 400, "'..'"),
        ("/api/resource/Customer/%2E%2E", 400, "'..'"),
        ("/api/resource/Customer/a%2F..%2Fb", 400, "'..'"),
        ("/api/resource/../Customer", 400, "'..'"),
        ("/api/resource/Customer/a%00b", 400, "control characters"),
        ("/api/resource/Customer/a%0Ab", 400, "control characters"),
        ("/api/resource/Customer/a%ZZ", 400, "bad percent-encoding"),
        ("/api/resource/Customer/%FF%FE", 400, "not UTF-8"),
        ("/api/resource/Cust%2Fomer/x", 400, "must not contain '/'"),
        ("/api/resource/Customer/SINV/2026/0001", 404, "percent-encoded as %2F"),
        ("/api/resource/Nope/x", 404, "DocType Nope not found"),
        ("/api/resource/Customer/NOPE", 404, "Customer NOPE not found"),
        ("/api/nothing/here", 404, "no route"),
    ])
    func pathTricksGetClearErrors(path: String, status: Int, message: String) async throws {
        try await TestServer.with { server in
            let reply = try await server.get(path)
            let excType = status == 400 ? "DataError" : "DoesNotExistError"
            expectError(reply, status: status, excType: excType, contains: message)
        }
    }
}
