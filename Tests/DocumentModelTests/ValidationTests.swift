import DocumentModel
import SiteStreamJSON
import Testing

@Suite struct ValidationTests {
    let schema = TestDocTypes.schema

    func invoice(_ extra: JSONObject = [:], docstatus: Int = 0) -> Document {
        var d = Document(doctype: "Test Invoice", name: "TINV-2026-00001", [
            "customer": "Acme", "posting_date": "2026-11-29",
            "items": [["name": "r1", "item_code": "W", "qty": 1, "rate": 10, "amount": 10]],
        ])
        for (k, v) in extra { d[k] = v }
        d.docstatus = docstatus
        return d
    }

    /// The overload for callers holding the DocType gives what the lookup gives, and a DocType
    /// of another name than the document's does not validate it as that DocType.
    @Test func validatingWithTheDocTypeAtHandGivesTheSameResult() throws {
        let input = invoice(["count": "12", "grand_total": 100])
        let looked = try schema.validate(input)
        #expect(try schema.validate(input, doctype: TestDocTypes.invoice) == looked)
        #expect(try schema.validate(input, doctype: TestDocTypes.item) == looked)
        let bad = invoice(["no_such_field": 1])
        #expect(throws: ValidationError.self) { try schema.validate(bad, doctype: TestDocTypes.invoice) }
    }

    @Test func coercesValuesToTheirFieldTypes() throws {
        let d = try schema.validate(invoice([
            "count": "12", "total_qty": "3.5", "grand_total": 100, "is_return": true, "discount": "",
            "posting_time": "9:05", "due": "2026-12-01T10:00", "status": "Paid", "customer": 42,
            "__islocal": 1, "_user_tags": "a,b", "owner": "Administrator",
        ]))
        #expect(d["count"] == .int(12))
        #expect(d["total_qty"] == .double(3.5))
        #expect(d["grand_total"] == .double(100))
        #expect(d["is_return"] == .int(1))
        #expect(d["discount"] == .double(0))
        #expect(d["posting_time"] == "09:05:00")
        #expect(d["due"] == "2026-12-01 10:00:00")
        #expect(d["customer"] == "42")
        #expect(d["__islocal"] == 1)
        #expect(d["_user_tags"] == "a,b")
        let row = d.rows(of: "items")[0]
        #expect(row["qty"] == .double(1))
        #expect(row["doctype"] == "Test Invoice Item")
        #expect(row["parent"] == "TINV-2026-00001")
        #expect(row["parenttype"] == "Test Invoice")
        #expect(row["parentfield"] == "items")
        #expect(row["idx"] == 1)
    }

    @Test(arguments: [
        ("1", 1), ("0", 0), ("true", 1), ("false", 0), ("", 0),
    ] as [(String, Int64)])
    func checkAcceptsFrappesSpellings(text: String, expected: Int64) throws {
        let d = try schema.validate(invoice(["is_return": .string(text)]))
        #expect(d["is_return"] == .int(expected))
    }

    @Test func unknownFieldIsRejectedNamingFieldAndDocType() {
        let error = #expect(throws: ValidationError.self) { try schema.validate(invoice(["colour": "red"])) }
        #expect(error?.issues.count == 1)
        #expect(error?.issues.first?.code == .unknownField)
        #expect(error?.issues.first?.field == "colour")
        #expect(error?.issues.first?.message == "Test Invoice has no field 'colour'")
    }

    @Test func unknownFieldInARowNamesTheRow() {
        var d = invoice()
        d["items"] = [["name": "r1", "item_code": "W"], ["name": "r2", "item_code": "W", "colour": "red"]]
        let error = #expect(throws: ValidationError.self) { try schema.validate(d) }
        let issue = error?.issues.first
        #expect(issue?.doctype == "Test Invoice Item")
        #expect(issue?.table == "items")
        #expect(issue?.row == 2)
        #expect(issue?.description == "Test Invoice Item, items row 2, field 'colour': Test Invoice Item has no field 'colour'")
    }

    /// Validation remembers the fields found for one row's keys and reuses them for the next
    /// row when the keys sit at the same places; rows whose keys differ or move must still get
    /// each key's own field.
    @Test func rowsWithKeysInDifferentOrdersAreEachCoercedByTheirOwnFields() throws {
        var d = invoice()
        d["items"] = [
            ["name": "r1", "item_code": "W", "qty": "2", "delivered": "true"],
            ["name": "r2", "qty": "3", "item_code": "W", "delivered": "0"],
            ["name": "r3", "delivered": 1, "qty": 4, "item_code": 7],
        ]
        let rows = try schema.validate(d).rows(of: "items")
        #expect(rows.map { $0["qty"] } == [.double(2), .double(3), .double(4)])
        #expect(rows.map { $0["delivered"] } == [.int(1), .int(0), .int(1)])
        #expect(rows.map { $0["item_code"] } == ["W", "W", "7"])

        d["items"] = [["name": "r1", "qty": 1, "item_code": "W"], ["name": "r2", "colour": "red", "item_code": "W"]]
        let error = #expect(throws: ValidationError.self) { try schema.validate(d) }
        #expect(error?.issues.map(\.field) == ["colour"])
        #expect(error?.issues.first?.row == 2)
    }

    @Test func collectsSeveralProblemsAtOnce() {
        var d = invoice(["count": "twelve", "posting_date": "2026-02-30", "status": "Lost", "grand_total": -5, "section_items": 1])
        d["customer"] = nil
        let error = #expect(throws: ValidationError.self) { try schema.validate(d) }
        let byField = Dictionary(grouping: error?.issues ?? [], by: { $0.field ?? "" })
        #expect(byField["count"]?.first?.code == .wrongType)
        #expect(byField["count"]?.first?.message.contains("whole number") == true)
        #expect(byField["posting_date"]?.first?.code == .invalidDate)
        #expect(byField["status"]?.first?.code == .invalidOption)
        #expect(byField["status"]?.first?.message.contains("\"Lost\" is not one of the options \"Draft\", \"Paid\", \"Unpaid\"") == true)
        #expect(byField["grand_total"]?.first?.code == .negativeValue)
        #expect(byField["section_items"]?.first?.code == .layoutField)
        #expect(byField["customer"]?.first?.code == .missingMandatory)
        #expect(byField["customer"]?.first?.message == "'Customer' (customer) is mandatory and has no value")
        #expect(error?.issues.count == 6)
    }

    @Test func mandatoryTableNeedsARow() {
        let error = #expect(throws: ValidationError.self) { try schema.validate(invoice(["items": []])) }
        #expect(error?.issues.first?.field == "items")
        #expect(error?.issues.first?.message.contains("at least one row") == true)
    }

    @Test(arguments: [
        ("2026-11-29", "2026-11-29"), ("2024-02-29", "2024-02-29"), ("2026-11-29 10:11:12", "2026-11-29"),
    ])
    func datesAreFrappeDates(input: String, stored: String) throws {
        #expect(try schema.validate(invoice(["posting_date": .string(input)]))["posting_date"] == .string(stored))
    }

    @Test(arguments: ["2026-13-01", "2023-02-29", "29/11/2026", "2026-1-1", "20261129", "2026-11-29X"])
    func badDatesAreRefused(input: String) {
        let error = #expect(throws: ValidationError.self) { try schema.validate(invoice(["posting_date": .string(input)])) }
        #expect(error?.issues.first?.code == .invalidDate)
        #expect(error?.issues.first?.message.contains(input) == true)
    }

    @Test(arguments: [
        ("2026-11-29 10:11:12", "2026-11-29 10:11:12"), ("2026-11-29 10:11:12.123456", "2026-11-29 10:11:12.123456"),
        ("2026-11-29", "2026-11-29 00:00:00"), ("2026-11-29T23:59:59", "2026-11-29 23:59:59"),
    ])
    func datetimesAreFrappeDatetimes(input: String, stored: String) throws {
        #expect(try schema.validate(invoice(["due": .string(input)]))["due"] == .string(stored))
    }

    @Test(arguments: ["2026-11-29 24:00:00", "2026-11-29 10:61:00", "2026-11-29 10:11:12.1234567", "2026-11-29 10"])
    func badDatetimesAreRefused(input: String) {
        let error = #expect(throws: ValidationError.self) { try schema.validate(invoice(["due": .string(input)])) }
        #expect(error?.issues.first?.code == .invalidDate)
    }

    @Test func wrongTypesAreRefused() {
        let error = #expect(throws: ValidationError.self) {
            try schema.validate(invoice(["total_qty": "lots", "customer": ["x": 1], "is_return": 7, "meta": ["any": [1, 2]]]))
        }
        #expect(Set(error?.issues.map { $0.field ?? "" } ?? []) == ["total_qty", "customer", "is_return"])
        #expect(error?.issues.allSatisfy { $0.code == .wrongType } == true)
    }

    @Test func dynamicLinkNeedsItsDocType() throws {
        _ = try schema.validate(invoice(["reference_type": "Test Item", "reference_name": "W"]))
        let missing = #expect(throws: ValidationError.self) { try schema.validate(invoice(["reference_name": "W"])) }
        #expect(missing?.issues.first?.message.contains("'reference_type'") == true)
        let unknown = #expect(throws: ValidationError.self) {
            try schema.validate(invoice(["reference_type": "Nope", "reference_name": "W"]))
        }
        #expect(unknown?.issues.map(\.field) == ["reference_type", "reference_name"])
    }

    @Test func unknownDocTypeIsRefused() {
        let error = #expect(throws: ValidationError.self) { try schema.validate(Document(doctype: "Spaceship", name: "x")) }
        #expect(error?.issues.first?.code == .unknownDocType)
        #expect(error?.description.contains("Spaceship") == true)
    }

    @Test func docstatusMustBeValidAndOnlyForSubmittable() {
        let bad = #expect(throws: ValidationError.self) { try schema.validate(invoice(docstatus: 5)) }
        #expect(bad?.issues.first?.code == .invalidDocstatus)
        let item = Document(doctype: "Test Item", name: "W", ["item_code": "W", "docstatus": 1])
        let notSubmittable = #expect(throws: ValidationError.self) { try schema.validate(item) }
        #expect(notSubmittable?.issues.first?.message.contains("not submittable") == true)
    }

    // MARK: docstatus transitions

    @Test(arguments: [(0, 0), (0, 1), (1, 1), (1, 2)])
    func allowedTransitions(from: Int, to: Int) throws {
        _ = try schema.validate(invoice(docstatus: to), previous: invoice(docstatus: from))
    }

    @Test(arguments: [(0, 2, "draft cannot be cancelled"), (1, 0, "cannot go back to draft"),
                      (2, 0, "is cancelled"), (2, 1, "is cancelled"), (2, 2, "is cancelled")])
    func refusedTransitions(from: Int, to: Int, message: String) {
        let error = #expect(throws: ValidationError.self) {
            try schema.validate(invoice(docstatus: to), previous: invoice(docstatus: from))
        }
        #expect(error?.issues.count == 1)
        #expect(error?.issues.first?.field == "docstatus")
        #expect(error?.issues.first?.message.contains(message) == true)
    }

    @Test func submittedDocumentChangesOnlyAllowOnSubmitFields() throws {
        let old = try schema.validate(invoice(docstatus: 1))
        // remarks is allow_on_submit; so is the payments table and an item's notes.
        var ok = old
        ok["remarks"] = "paid by wire"
        ok["payments"] = [["name": "p1", "mode": "Wire", "amount": 10]]
        var items = ok.rows(of: "items")
        items[0]["notes"] = "late"
        ok.setRows(items, of: "items")
        _ = try schema.validate(ok, previous: old)

        var bad = old
        bad["customer"] = "Someone Else"
        var badItems = bad.rows(of: "items")
        badItems[0]["qty"] = 5
        badItems.append(["name": "r2", "item_code": "W"])
        bad.setRows(badItems, of: "items")
        let error = #expect(throws: ValidationError.self) { try schema.validate(bad, previous: old) }
        let issues = error?.issues ?? []
        #expect(issues.count == 3)
        #expect(issues.contains { $0.field == "customer" && $0.code == .notAllowedOnSubmit && $0.message.contains("Allow on Submit") })
        #expect(issues.contains { $0.field == "items" && $0.message.contains("1 added") })
        #expect(issues.contains { $0.field == "qty" && $0.table == "items" && $0.row == 1 })
    }

    @Test func cancellingMayNotChangeOtherFields() throws {
        let old = try schema.validate(invoice(docstatus: 1))
        var cancel = old
        cancel.docstatus = 2
        _ = try schema.validate(cancel, previous: old)
        cancel["customer"] = "Other"
        let error = #expect(throws: ValidationError.self) { try schema.validate(cancel, previous: old) }
        #expect(error?.issues.first?.message.contains("cannot change cancelling") == true)
    }

    @Test func insertingCancelledIsRefused() {
        #expect(schema.insertIssues(invoice(docstatus: 2)).first?.code == .invalidTransition)
        #expect(schema.insertIssues(invoice(docstatus: 1)).isEmpty)
    }
}
