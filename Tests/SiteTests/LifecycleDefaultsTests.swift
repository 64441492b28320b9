import DocumentModel
import Foundation
import Site
import SiteStreamJSON
import Testing

/// A new document gets its fields' defaults where a value is missing or null, in its rows too:
/// literal texts, `Today`, `Now` and `__user` (in any case); a save gives defaults only to the
/// rows it adds.
@Suite struct LifecycleDefaultsTests {
    static let row: JSON = [
        "doctype": "DocType", "name": "Probe Default Row", "module": "Test", "istable": 1,
        "fields": [
            ["fieldname": "item", "fieldtype": "Data"],
            ["fieldname": "factor", "fieldtype": "Float", "default": "1"],
            ["fieldname": "made_by", "fieldtype": "Data", "default": "__User"],
        ],
    ]
    static let parent: JSON = [
        "doctype": "DocType", "name": "Probe Default", "module": "Test", "autoname": "hash",
        "fields": [
            ["fieldname": "title", "fieldtype": "Data"],
            ["fieldname": "status", "fieldtype": "Data", "default": "Draft"],
            ["fieldname": "on_day", "fieldtype": "Date", "default": "today"],
            ["fieldname": "at_time", "fieldtype": "Datetime", "default": "NOW"],
            ["fieldname": "owner_note", "fieldtype": "Data", "default": "__user"],
            ["fieldname": "rows", "fieldtype": "Table", "options": "Probe Default Row"],
        ],
    ]

    @Test func missingValuesGetTheirDefaults() async throws {
        let dir = try TemporaryDirectory("defaults")
        defer { dir.cleanUp() }
        var files: [URL] = []
        for (name, json) in [("probe_default_row.json", Self.row), ("probe_default.json", Self.parent)] {
            let url = dir.url.appendingPathComponent(name)
            try Data(json.serialized()).write(to: url)
            files.append(url)
        }
        let layout = SiteLayout(root: dir.url.appendingPathComponent("site"))
        try await Site.create(at: layout, name: "probe", url: nil, doctypeFiles: files)
        let site = try Site.open(at: layout)
        defer { try? site.close() }

        let today = String(ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate]))
        let stored = try await site.write { tx in
            try tx.insert(Document(json: [
                "doctype": "Probe Default", "title": "t", "status": .null,
                "rows": [["item": "a"], ["item": "b", "factor": 2.5, "made_by": "someone"]],
            ])!)
        }
        #expect(stored["status"] == "Draft")
        #expect(stored["owner_note"] == .string(Self.user))
        #expect(stored["on_day"]?.stringValue?.count == 10)
        let day = stored["on_day"]?.stringValue ?? ""
        #expect(day == today || day > today, "on_day \(day), today \(today)")
        #expect(stored["at_time"]?.stringValue?.hasPrefix(day) == true)
        let rows = stored["rows"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(rows.map { $0["factor"] } == [.double(1), .double(2.5)])
        #expect(rows.map { $0["made_by"] } == [.string(Self.user), "someone"])

        // A save gives defaults to the rows it adds only; the document's own null stays null.
        let name = stored.name ?? ""
        var edited = stored
        edited.object["status"] = .null
        var editedRows = stored["rows"]?.arrayValue ?? []
        if case .object(var first) = editedRows[0] {
            first["factor"] = .null
            editedRows[0] = .object(first)
        }
        editedRows.append(["item": "c"])
        edited.object["rows"] = .array(editedRows)
        let saved = try await site.write { tx in try tx.save(edited) }
        #expect(saved.name == name)
        #expect(saved["status"] == nil || saved["status"] == .null)
        let savedRows = saved["rows"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(savedRows.map { $0["factor"] } == [.null, .double(2.5), .double(1)])
    }

    /// The user `Site.write` writes as unless told otherwise.
    static let user = "Administrator"
}
