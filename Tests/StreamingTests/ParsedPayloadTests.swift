import DocumentModel
import EventLog
import Site
import SiteStreamJSON
@testable import Streaming
import Testing

/// A pull parses each record's payload in the task that fetches the reply (`ParsedPayload`);
/// the replay must see exactly what parsing the payload itself would give, and a payload that
/// does not parse must fail in the replay as it did before.
@Suite("Payloads parsed ahead of the replay")
struct ParsedPayloadTests {
    @Test("a Create's document and an Update's diff are the ones the payload gives; a Delete has none")
    func sameAsParsingInTheReplay() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let site = pair.producerSite
        try await site.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await site.write { tx in try tx.update("Customer", "Acme", with: ["customer_details": "changed"]) }
        try await site.write { tx in try tx.delete("Customer", "Acme") }
        let records = try site.log.read(after: nil, maxEntries: 1000, maxBytes: 1 << 20).records().filter { $0.doctype == "Customer" }
        #expect(records.map(\.updateType) == [.create, .update, .delete])

        let create = ParsedPayload(records[0])
        guard case .document(let document) = create else { Issue.record("the Create was not parsed ahead: \(create)"); return }
        #expect(document == Document(json: try JSON(parsing: records[0].payload)))
        #expect(document.name == "Acme")

        let update = ParsedPayload(records[1])
        guard case .diff(let diff) = update else { Issue.record("the Update was not parsed ahead: \(update)"); return }
        #expect(diff.json == (try DocumentDiff(json: try JSON(parsing: records[1].payload))).json)
        #expect(try update.diff(of: records[1]).json == diff.json)

        guard case .none = ParsedPayload(records[2]) else { Issue.record("a Delete has no payload to parse"); return }
    }

    @Test("a payload that does not parse is left to the replay, which fails on it as it would have")
    func unparsableIsLeftToTheReplay() throws {
        func record(_ type: UpdateType, _ payload: String) -> LogRecord {
            LogRecord(sequence: 1, timestamp: 0, updateType: type, doctype: "Customer", docname: "Acme", origin: nil,
                      annotations: [], payload: Array(payload.utf8), wasCompressed: false)
        }
        let notJSON = record(.create, "{\"name\": ")
        let parsedNotJSON = ParsedPayload(notJSON)
        guard case .none = parsedNotJSON else { Issue.record("a Create that is not JSON parsed ahead"); return }
        #expect(throws: (any Error).self) { try parsedNotJSON.document(of: notJSON) }

        // JSON, but not an object: no document (the replay stops on nil, as before).
        let notAnObject = record(.create, "[1, 2]")
        #expect(try ParsedPayload(notAnObject).document(of: notAnObject) == nil)

        let badDiff = record(.update, "{\"changed\": 7}")
        let parsedBadDiff = ParsedPayload(badDiff)
        guard case .none = parsedBadDiff else { Issue.record("an Update that is no diff parsed ahead"); return }
        let expected = #expect(throws: DiffError.self) { try DocumentDiff(json: try JSON(parsing: badDiff.payload)) }
        let thrown = #expect(throws: DiffError.self) { try parsedBadDiff.diff(of: badDiff) }
        #expect(thrown.map { "\($0)" } == expected.map { "\($0)" })
    }
}
