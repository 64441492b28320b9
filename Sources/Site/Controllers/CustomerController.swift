import DocumentModel
import SiteStreamJSON

/// The Customer's hooks: a customer needs a name and a customer group. (The DocType marks
/// only the name mandatory; ERPNext's controller insists on the group, and so do we, with a
/// message that says what to do.)
struct CustomerController: DocumentController {
    static let doctype = "Customer"

    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        let name = document["customer_name"]?.stringValue?.trimmingWhitespaceForController ?? ""
        guard !name.isEmpty else {
            throw SiteError(.validation, "Customer: 'customer_name' is mandatory; give the customer a name",
                            doctype: Self.doctype, docname: document.name)
        }
        let group = document["customer_group"]?.stringValue?.trimmingWhitespaceForController ?? ""
        guard !group.isEmpty else {
            throw SiteError(.validation, "Customer \(name): 'customer_group' is mandatory; choose a Customer Group (for example 'All Customer Groups')",
                            doctype: Self.doctype, docname: document.name)
        }
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespaceForController: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
