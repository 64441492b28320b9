import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Testing

@testable import SiteServer

/// Issue 5: 8 clients × 500 inserts in parallel through the REST API of a real site.
@Suite("Concurrent inserts over HTTP")
struct ConcurrentInsertTests {
    @Test func everyAcknowledgedInsertIsThereNamesAreUniqueAndTheLogIsContiguous() async throws {
        try await SiteDocumentBackendTests.withSiteServer { site, client, token in
            let json = [("Content-Type", "application/json")]
            let territory = try await client.send("POST", "/api/resource/Territory", headers: [token] + json,
                                                  body: JSON.object(["territory_name": "North"]).serialized())
            #expect(territory.status == 200, "\(territory)")
            let before = site.log.lastWrittenSequence
            let clients = 8, perClient = 500

            // GL Entries are named by a naming series (ACC-GLE-.YYYY.-.#####), so concurrent
            // inserts race for the counter: every name must still be handed out once.
            let acknowledged: [String] = try await withThrowingTaskGroup(of: [String].self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var names: [String] = []
                        for i in 0..<perClient {
                            let body: JSON = ["posting_date": "2026-11-29", "account": .string("Cash \(c)"), "debit": .int(Int64(i)),
                                              "voucher_type": "Territory", "voucher_no": "North"]
                            let reply = try await client.send("POST", "/api/resource/GL%20Entry", headers: [token] + json, body: body.serialized())
                            if reply.status == 200, let name = reply.json?["data"]?["name"]?.stringValue { names.append(name) }
                        }
                        return names
                    }
                }
                var all: [String] = []
                for try await names in group { all += names }
                return all
            }
            #expect(acknowledged.count == clients * perClient)
            #expect(Set(acknowledged).count == acknowledged.count, "a name was handed out twice")
            for name in acknowledged {
                #expect(site.exists("GL Entry", name), "acknowledged \(name) is missing")
            }
            // One log entry per insert, sequence numbers contiguous, nothing else in between.
            let last = site.log.lastWrittenSequence
            #expect(last - before == UInt64(acknowledged.count))
            var cursor = try site.log.cursor(before: before + 1)
            var expected = before + 1
            while true {
                let batch = try site.log.read(after: cursor, maxEntries: 1000, maxBytes: 8 << 20)
                if batch.count == 0 { break }
                for record in try batch.records() {
                    #expect(record.sequence == expected)
                    expected += 1
                }
                cursor = batch.next
            }
            #expect(expected == last + 1)
        }
    }
}
