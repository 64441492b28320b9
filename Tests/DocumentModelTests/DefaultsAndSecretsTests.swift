import DocumentModel
import SiteStreamJSON
import Testing

@Suite struct DefaultsAndSecretsTests {
    @Test func defaultsFillMissingFieldsInDocumentAndRows() throws {
        let schema = Schema.system
        let producer = Document(doctype: "Event Producer", name: "site-a", [
            "producer_url": "http://a", "api_key": "k", "api_secret": "s", "user": "Administrator",
            "producer_doctypes": [["name": "r1", "ref_doctype": "User", "use_same_name": 1]],
        ])
        let filled = schema.applyingDefaults(to: producer)
        #expect(filled["incoming_change"] == 0)
        let row = filled.rows(of: "producer_doctypes")[0]
        #expect(row["status"] == "Pending")
        #expect(row["use_same_name"] == 1)  // given values win
        #expect(row["unsubscribe"] == 0)
        _ = try schema.validate(filled)
    }

    @Test func todayAndNowDefaultsNeedTheDate() throws {
        let dt = try DocType(name: "Dated", fields: [
            DocField("on", .date, defaultValue: "Today"), DocField("at", .datetime, defaultValue: "now"),
            DocField("company", .data, defaultValue: ":Company"), DocField("n", .int, defaultValue: "3"),
        ])
        let schema = try Schema([dt])
        let without = schema.applyingDefaults(to: Document(doctype: "Dated"))
        #expect(without["on"] == nil)
        #expect(without["n"] == 3)
        #expect(without["company"] == nil)
        let with = schema.applyingDefaults(to: Document(doctype: "Dated"), today: CivilDate(year: 2026, month: 2, day: 3), now: "04:05:06")
        #expect(with["on"] == "2026-02-03")
        #expect(with["at"] == "2026-02-03 04:05:06")
    }

    @Test func secretsAreRedactedForReads() {
        let consumer = Document(doctype: "Event Consumer", name: "b", ["api_key": "k", "api_secret": "very secret", "callback_url": "x"])
        let shown = Schema.system.redactingSecrets(consumer)
        #expect(shown["api_secret"] == "*****")
        #expect(shown["api_key"] == "k")
        #expect(Schema.system.redactingSecrets(Document(doctype: "Event Consumer", ["api_secret": ""]))["api_secret"] == "")
    }

    @Test func setOnlyOnceFieldsKeepTheirFirstValue() throws {
        let schema = Schema.system
        let old = Document(doctype: "Event Producer", name: "a", ["user": "Administrator", "producer_url": "u"])
        var new = old
        new["producer_url"] = "v"
        #expect(schema.transitionIssues(from: old, to: new).isEmpty)
        new["user"] = "Guest"
        let issues = schema.transitionIssues(from: old, to: new)
        #expect(issues.map(\.code) == [.setOnlyOnce])
        #expect(issues.first?.message.contains("'user' can be set only once") == true)
        // Setting it the first time is fine.
        var first = old
        first["user"] = nil
        #expect(schema.transitionIssues(from: first, to: new).isEmpty)
    }
}
