/// One thing wrong with a document, with the place: DocType, field, and for a child row the
/// table and the row's position (1-based, as Frappe's `idx`).
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case notAnObject, unknownDocType, unknownField, layoutField, missingMandatory, wrongType
        case invalidOption, invalidDate, invalidLink, invalidRow, negativeValue, tooLong
        case invalidDocstatus, invalidTransition, notAllowedOnSubmit, cancelledIsFrozen, setOnlyOnce
    }
    public var code: Code
    /// The DocType the field belongs to (the child DocType for a row's field).
    public var doctype: String
    public var field: String?
    /// For a child row: the parent's table field and the row's 1-based position.
    public var table: String?
    public var row: Int?
    /// What is wrong and what to do, for a person.
    public var message: String

    public init(_ code: Code, doctype: String, field: String? = nil, table: String? = nil, row: Int? = nil, message: String) {
        self.code = code
        self.doctype = doctype
        self.field = field
        self.table = table
        self.row = row
        self.message = message
    }

    public var description: String {
        var place = doctype
        if let table, let row { place += ", \(table) row \(row)" }
        if let field { place += ", field '\(field)'" }
        return "\(place): \(message)"
    }
}

/// A document refused by validation, with every issue found (not only the first).
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var doctype: String
    public var name: String?
    public var issues: [ValidationIssue]

    public init(doctype: String, name: String?, issues: [ValidationIssue]) {
        self.doctype = doctype
        self.name = name
        self.issues = issues
    }

    public var description: String {
        let head = "\(doctype)\(name.map { " '\($0)'" } ?? "") is not valid"
        if issues.count == 1 { return head + ": " + issues[0].description }
        return head + " (\(issues.count) problems):\n" + issues.map { "  - " + $0.description }.joined(separator: "\n")
    }

    /// The issues about `field` (in any row).
    public func issues(for field: String) -> [ValidationIssue] { issues.filter { $0.field == field } }
}
