/// What a diff compares for one DocType, worked out once per schema so that building a diff
/// costs one dictionary lookup per document, not a walk over the DocType.
final class DiffPlan: Sendable {
    enum Kind: Sendable {
        /// A declared data field: compare values.
        case value
        /// A child table: match rows by name and compare them under the child's plan (nil when
        /// the child DocType is not installed: every non-standard key is compared).
        case table(DiffPlan?)
    }

    let doctype: String
    let kinds: [String: Kind]
    /// Number of compared fields (to tell a schema's plan from another DocType of the same name).
    let fieldCount: Int

    init(doctype: DocType, childPlan: (String) -> DiffPlan?) {
        var kinds: [String: Kind] = [:]
        for i in doctype.diffFieldIndices {
            let field = doctype.fields[i]
            kinds[field.fieldname] = field.fieldtype.isTable ? .table(field.targetDocType.flatMap(childPlan)) : .value
        }
        self.doctype = doctype.name
        self.kinds = kinds
        self.fieldCount = doctype.diffFieldIndices.count
    }

    /// Plans for every DocType. Children are planned first without tables of their own
    /// (Frappe has no nested child tables; a nested table is then compared as a whole value).
    static func plans(for doctypes: [String: DocType]) -> [String: DiffPlan] {
        var leaf: [String: DiffPlan] = [:]
        for (name, doctype) in doctypes { leaf[name] = DiffPlan(doctype: doctype) { _ in nil } }
        var plans: [String: DiffPlan] = [:]
        for (name, doctype) in doctypes {
            plans[name] = doctype.tableFields.isEmpty ? leaf[name] : DiffPlan(doctype: doctype) { leaf[$0] }
        }
        return plans
    }
}
