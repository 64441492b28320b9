import SiteStreamJSON

/// What validating a value of one field needs, worked out once when the DocType is built
/// instead of for every value of every write: the Select choices (split and trimmed), the
/// target of a Link or Table, the sibling naming a Dynamic Link's DocType.
///
/// A class so that looking one up costs a single reference, not a copy of the `DocField` and
/// its strings. Immutable, hence `Sendable`.
final class FieldFacts: Sendable {
    let field: DocField
    /// `field.fieldname` and `field.fieldtype`, read without going through the `DocField`
    /// (whose copy would retain every string it holds).
    let fieldname: String
    let fieldtype: FieldType
    /// `field.targetDocType`.
    let target: String?
    /// `field.selectOptions`, and whether any of them is non-empty (a Select with only empty
    /// choices takes any value).
    let selectOptions: [String]
    let selectRestricts: Bool
    /// A Dynamic Link's sibling field (its `options`, trimmed).
    let dynamicSibling: String
    /// What the validation loop reads of this field for every value, as plain values: which
    /// values coercion keeps as they are, the length limit, whether it is a layout field or a
    /// table, whether it may be negative.
    let traits: FieldTraits
    /// What the second look after coercion asks of this field, as plain values.
    let checks: FieldChecks

    /// Whether the value needs a look after coercion: mandatory, or a Link / Dynamic Link whose
    /// target DocType must be installed.
    var checkedAfterCoercion: Bool { checks.mandatory || checks.link != .none }

    init(_ field: DocField) {
        self.field = field
        fieldname = field.fieldname
        fieldtype = field.fieldtype
        target = field.targetDocType
        selectOptions = field.selectOptions
        selectRestricts = !selectOptions.allSatisfy(\.isEmpty)
        dynamicSibling = field.options?.trimmingWhitespace() ?? ""
        let isLayout = field.fieldtype.isLayout
        traits = FieldTraits(asIs: FieldCoercion.AsIs(field.fieldtype), length: field.length ?? 0, nonNegative: field.nonNegative,
                             isLayout: isLayout, isTable: field.fieldtype.isTable)
        let link: FieldChecks.Link
        switch field.fieldtype {
        case _ where isLayout: link = .none
        case .link where target == "DocType": link = .docType
        case .link where target != nil: link = .link
        case .dynamicLink: link = .dynamic
        default: link = .none
        }
        checks = FieldChecks(mandatory: !isLayout && field.reqd && field.fieldtype != .check, link: link)
    }
}

/// The part of `FieldFacts` that validation reads for every value of a document, held in a
/// plain struct: reading one out of an array retains nothing, where a `FieldFacts` (a class)
/// costs a retain and a release per value, which was a tenth of validating a 20-row invoice.
struct FieldTraits: Sendable {
    let asIs: FieldCoercion.AsIs
    /// The field's `length`; 0 when it sets none.
    let length: Int
    let nonNegative: Bool
    let isLayout: Bool
    let isTable: Bool
}

/// The checks validation makes on a field's value after coercion (`FieldFacts.checkedAfterCoercion`),
/// as plain values for the same reason as `FieldTraits`.
struct FieldChecks: Sendable {
    enum Link: Sendable {
        case none
        /// A Link to a DocType other than `DocType`: its target must be installed.
        case link
        /// A Link to `DocType`: the value must name an installed DocType.
        case docType
        /// A Dynamic Link: its sibling field must name an installed DocType.
        case dynamic
    }
    let mandatory: Bool
    let link: Link
}
