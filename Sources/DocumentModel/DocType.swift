import SiteStreamJSON

/// A document type: its fields in form order, how its documents are named, and whether they
/// are child rows (`istable`) or go through submit and cancel (`is_submittable`).
///
/// Loaded from Frappe's DocType JSON as exported by any Frappe version: unknown keys are
/// ignored, missing flags read as 0, layout fields are kept (for order) but hold no data.
public struct DocType: Sendable {
    // Everything lives in one immutable object that every copy shares.
    //
    // Why: a DocType is handed around by value (`Schema`'s subscript returns one for every
    // document and row a write touches). With its names, naming rule and fifteen arrays and
    // dictionaries in the struct, each copy cost as many retains and releases, on objects
    // every writer thread shares, so the atomic counts moved between cores: several per cent
    // of a catch-up's CPU, then still 1.9 % of an invoice insert's with the arrays boxed and
    // the names not. A copy is now one retain.
    private let head: DocTypeHead
    private var derived: DocTypeFields { head.derived }

    public var name: String { head.name }
    public var module: String { head.module }
    /// `autoname` as written (`"hash"`, `"naming_series:"`, `"field:item_code"`, a pattern…).
    public var autoname: String? { head.autoname }
    /// Frappe's informational `naming_rule` (`"By fieldname"`, `"Random"`, `"Expression"`…).
    public var namingRuleName: String? { head.namingRuleName }
    /// How new documents get their name, parsed from `autoname` and `naming_rule`.
    public var namingRule: NamingRule { head.namingRule }
    public var isSubmittable: Bool { head.isSubmittable }
    /// A child table DocType: its documents are rows inside a parent.
    public var isChildTable: Bool { head.isChildTable }
    public var isSingle: Bool { head.isSingle }
    /// Documents of this type are written only by the site itself (e.g. Event Update Log).
    public var isReadOnly: Bool { head.isReadOnly }
    public var titleField: String? { head.titleField }

    /// Every field, layout included, in the order of the `fields` array.
    public var fields: [DocField] { derived.fields }
    /// Positions in `fields` of the fields that hold data, excluding the standard columns a
    /// DocType may redeclare (ToDo's `owner`): the fields a diff compares.
    public var diffFieldIndices: [Int] { derived.diffFieldIndices }
    /// Positions in `fields` of the Link, Dynamic Link and table fields, in order: what link
    /// checks and index terms walk for every document and row, without visiting the rest.
    public var linkingFieldIndices: [Int] { derived.linkingFieldIndices }
    /// The fields of `linkingFieldIndices` with what a walk over a document's links needs of
    /// each, worked out once: reading them copies no `DocField`.
    public var linkingPlan: [LinkingField] { derived.linkingPlan }
    /// The defaults of the data fields (not tables) with a non-empty default, in field order,
    /// read without copying a `DocField` per field and row.
    public var fieldDefaults: [FieldDefault] { derived.fieldDefaults }
    /// Per field (parallel to `fields`): what validation needs, computed once.
    var facts: [FieldFacts] { derived.facts }
    /// The facts of the fields validation looks at again after coercion, in field order.
    var checkedFacts: [FieldFacts] { derived.checkedFacts }
    /// Per field (parallel to `fields`): `facts[i].traits`, in an array of plain values.
    var traits: [FieldTraits] { derived.traits }
    /// `checkedFacts[i].checks`, in an array of plain values.
    var checkedChecks: [FieldChecks] { derived.checkedChecks }
    /// Per field (parallel to `fields`): its position in `checkedFacts`, or -1.
    var checkedSlot: [Int] { derived.checkedSlot }
    /// Child-table fields (`Table`, `Table MultiSelect`), in order; kept, since naming, defaults
    /// and validation ask for them on every write.
    public var tableFields: [DocField] { derived.tableFields }
    /// Positions in `fields` of the `unique` fields, in order.
    public var uniqueFieldIndices: [Int] { derived.uniqueFieldIndices }
    /// Positions in `fields` of the Link fields whose target is `DocType` (their value must name
    /// an installed DocType).
    public var docTypeLinkFieldIndices: [Int] { derived.docTypeLinkFieldIndices }
    /// For each position in `fields`, the first data field at or after it (`fields.count` when
    /// none): where validation expects the next key of a document that lists its fields in
    /// form order (`FieldLookup`).
    var nextDataField: [Int] { derived.nextDataField }
    /// Whether a field reuses a core standard column's name (ToDo's `owner`): validation then
    /// cannot take such a key for the standard column without looking at the fields first.
    var declaresCoreColumn: Bool { derived.declaresCoreColumn }

    /// Builds a DocType from fields. Throws for duplicate fieldnames, an empty name or an
    /// invalid naming rule.
    public init(
        name: String, module: String = "Custom", fields: [DocField], autoname: String? = nil,
        namingRule namingRuleName: String? = nil, isSubmittable: Bool = false, isChildTable: Bool = false,
        isSingle: Bool = false, isReadOnly: Bool = false, titleField: String? = nil
    ) throws(DocTypeError) {
        guard !name.trimmingWhitespace().isEmpty else {
            throw DocTypeError(doctype: name, field: nil, message: "the DocType has no name")
        }
        let provisional = DocTypeHead(name: name, module: module, autoname: autoname, namingRuleName: namingRuleName,
                                      namingRule: .hash, isSubmittable: isSubmittable, isChildTable: isChildTable,
                                      isSingle: isSingle, isReadOnly: isReadOnly, titleField: titleField,
                                      derived: try DocTypeFields(doctype: name, fields: fields))
        // The rule is checked against the fields, so it is parsed from a DocType without it.
        let rule = try NamingRule(autoname: autoname, namingRule: namingRuleName, doctype: DocType(head: provisional))
        self.head = provisional.with(namingRule: rule)
    }

    private init(head: DocTypeHead) {
        self.head = head
    }

    /// The field named `fieldname`, layout fields included.
    public func field(named fieldname: String) -> DocField? {
        derived.index[fieldname].map { derived.fields[$0] }
    }

    /// The position in `fields` of the field named `fieldname`, layout fields included.
    func position(of fieldname: String) -> Int? {
        derived.index[fieldname]
    }

    /// Fields that hold data (not layout), in order.
    public var dataFields: [DocField] { fields.filter { $0.fieldtype.isData } }
    /// `Link` fields, in order.
    public var linkFields: [DocField] { fields.filter { $0.fieldtype == .link } }
    /// `Dynamic Link` fields, in order.
    public var dynamicLinkFields: [DocField] { fields.filter { $0.fieldtype == .dynamicLink } }
    /// The fields a diff compares (data fields other than standard columns), in order.
    public var diffFields: [DocField] { diffFieldIndices.map { fields[$0] } }
}

extension DocType {
    /// Reads a DocType from Frappe's JSON shape (one object with `name`, `module`, `fields`…).
    public init(json: JSON) throws(DocTypeError) {
        guard let object = json.objectValue else {
            throw DocTypeError(doctype: "?", field: nil, message: "a DocType must be a JSON object, found \(json.briefDescription)")
        }
        guard let name = object["name"]?.stringValue?.trimmingWhitespace(), !name.isEmpty else {
            throw DocTypeError(doctype: "?", field: nil, message: "the DocType has no 'name' string")
        }
        if let kind = object["doctype"]?.stringValue, kind != "DocType" {
            throw DocTypeError(doctype: name, field: nil,
                               message: "'doctype' is \"\(kind)\"; a DocType definition has \"DocType\" (is this a document?)")
        }
        var fields: [DocField] = []
        switch object["fields"] {
        case nil, .null?: break
        case .array(let items)?:
            fields.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                fields.append(try DocField(json: item, doctype: name, position: i))
            }
        case let other?:
            throw DocTypeError(doctype: name, field: nil, message: "'fields' must be an array, found \(other.briefDescription)")
        }
        func flag(_ key: String) -> Bool {
            switch object[key] {
            case .bool(let b)?: b
            case .int(let i)?: i != 0
            case .string(let s)?: s == "1" || s.lowercased() == "true"
            default: false
            }
        }
        func text(_ key: String) -> String? {
            guard let s = object[key]?.stringValue?.trimmingWhitespace(), !s.isEmpty else { return nil }
            return s
        }
        try self.init(
            name: name, module: text("module") ?? "Custom", fields: fields, autoname: text("autoname"),
            namingRule: text("naming_rule"), isSubmittable: flag("is_submittable"),
            isChildTable: flag("istable"), isSingle: flag("issingle"), isReadOnly: flag("read_only"),
            titleField: text("title_field"))
    }

    /// The DocType in Frappe's JSON shape (compact: only non-default keys).
    public var json: JSON {
        var o = JSONObject()
        o["doctype"] = "DocType"
        o["name"] = .string(name)
        o["module"] = .string(module)
        if let autoname { o["autoname"] = .string(autoname) }
        if let namingRuleName { o["naming_rule"] = .string(namingRuleName) }
        if isSubmittable { o["is_submittable"] = 1 }
        if isChildTable { o["istable"] = 1 }
        if isSingle { o["issingle"] = 1 }
        if isReadOnly { o["read_only"] = 1 }
        if let titleField { o["title_field"] = .string(titleField) }
        o["fields"] = .array(fields.map(\.json))
        return .object(o)
    }
}


/// One Link, Dynamic Link or table field as link checks and index terms walk it.
public struct LinkingField: Sendable {
    public enum Kind: Sendable {
        /// A Link to `target` (never `DocType`, whose values name DocTypes, not documents).
        case link(target: String)
        /// A Dynamic Link whose DocType is the value of `typeField`.
        case dynamicLink(typeField: String)
        /// A child table; `position` is its place in `fields`.
        case table(position: Int)
        /// A field that can link to nothing (a Link without a target, or to `DocType`).
        case inert
    }

    public let fieldname: String
    public let kind: Kind

    init(_ field: DocField, position: Int) {
        fieldname = field.fieldname
        switch field.fieldtype {
        case .link:
            if let target = field.options, !target.isEmpty, target != "DocType" { kind = .link(target: target) } else { kind = .inert }
        case .dynamicLink:
            if let typeField = field.options { kind = .dynamicLink(typeField: typeField) } else { kind = .inert }
        default:
            kind = field.fieldtype.isTable ? .table(position: position) : .inert
        }
    }
}

/// What a `DocType` holds (see `DocType.head`); immutable.
final class DocTypeHead: Sendable {
    let name: String
    let module: String
    let autoname: String?
    let namingRuleName: String?
    let namingRule: NamingRule
    let isSubmittable: Bool
    let isChildTable: Bool
    let isSingle: Bool
    let isReadOnly: Bool
    let titleField: String?
    let derived: DocTypeFields

    init(name: String, module: String, autoname: String?, namingRuleName: String?, namingRule: NamingRule,
         isSubmittable: Bool, isChildTable: Bool, isSingle: Bool, isReadOnly: Bool, titleField: String?,
         derived: DocTypeFields) {
        self.name = name
        self.module = module
        self.autoname = autoname
        self.namingRuleName = namingRuleName
        self.namingRule = namingRule
        self.isSubmittable = isSubmittable
        self.isChildTable = isChildTable
        self.isSingle = isSingle
        self.isReadOnly = isReadOnly
        self.titleField = titleField
        self.derived = derived
    }

    func with(namingRule: NamingRule) -> DocTypeHead {
        DocTypeHead(name: name, module: module, autoname: autoname, namingRuleName: namingRuleName, namingRule: namingRule,
                    isSubmittable: isSubmittable, isChildTable: isChildTable, isSingle: isSingle, isReadOnly: isReadOnly,
                    titleField: titleField, derived: derived)
    }
}

/// What a `DocType` works out from its fields once (see `DocType.derived`); immutable.
final class DocTypeFields: Sendable {
    let fields: [DocField]
    /// Index of every named field in `fields`.
    let index: [String: Int]
    let diffFieldIndices: [Int]
    let linkingFieldIndices: [Int]
    let linkingPlan: [LinkingField]
    let fieldDefaults: [FieldDefault]
    let facts: [FieldFacts]
    let checkedFacts: [FieldFacts]
    let traits: [FieldTraits]
    let checkedChecks: [FieldChecks]
    let checkedSlot: [Int]
    let tableFields: [DocField]
    let uniqueFieldIndices: [Int]
    let docTypeLinkFieldIndices: [Int]
    let nextDataField: [Int]
    let declaresCoreColumn: Bool

    /// Throws for a fieldname declared twice.
    init(doctype name: String, fields: [DocField]) throws(DocTypeError) {
        self.fields = fields
        var index: [String: Int] = [:]
        var diffFields: [Int] = []
        for (i, field) in fields.enumerated() where !field.fieldname.isEmpty {
            if index[field.fieldname] != nil {
                throw DocTypeError(doctype: name, field: field.fieldname,
                                   message: "field '\(field.fieldname)' is declared twice")
            }
            index[field.fieldname] = i
            if field.fieldtype.isData, !StandardColumns.core.contains(field.fieldname) {
                diffFields.append(i)
            }
        }
        self.index = index
        self.diffFieldIndices = diffFields
        let linking = fields.indices.filter {
            let type = fields[$0].fieldtype
            return type == .link || type == .dynamicLink || type.isTable
        }
        self.linkingFieldIndices = linking
        self.linkingPlan = linking.map { LinkingField(fields[$0], position: $0) }
        self.fieldDefaults = fields
            .filter { $0.fieldtype.isData && !$0.fieldtype.isTable && !($0.defaultValue ?? "").isEmpty }
            .map(FieldDefault.init)
        let facts = fields.map(FieldFacts.init)
        self.facts = facts
        self.checkedFacts = facts.filter(\.checkedAfterCoercion)
        self.traits = facts.map(\.traits)
        self.checkedChecks = checkedFacts.map(\.checks)
        var checkedSlot = [Int](repeating: -1, count: facts.count)
        var slot = 0
        for (i, f) in facts.enumerated() where f.checkedAfterCoercion {
            checkedSlot[i] = slot
            slot += 1
        }
        self.checkedSlot = checkedSlot
        self.tableFields = fields.filter { $0.fieldtype.isTable }
        self.uniqueFieldIndices = fields.indices.filter { fields[$0].unique }
        self.docTypeLinkFieldIndices = fields.indices.filter { fields[$0].fieldtype == .link && fields[$0].options == "DocType" }
        var nextData = [Int](repeating: fields.count, count: fields.count + 1)
        for i in fields.indices.reversed() {
            nextData[i] = fields[i].fieldtype.isData && !fields[i].fieldname.isEmpty ? i : nextData[i + 1]
        }
        self.nextDataField = nextData
        self.declaresCoreColumn = fields.contains { StandardColumns.core.contains($0.fieldname) }
    }
}

/// A field's `default` as a new document's lifecycle applies it: a literal text, or one of
/// Frappe's keywords (matched without regard to case), worked out once per DocType.
public struct FieldDefault: Sendable {
    public enum Kind: Sendable, Equatable {
        /// The text itself.
        case literal
        /// `Today`: the current date.
        case today
        /// `Now`: the current date and time.
        case now
        /// `__user`: the writing user.
        case user
    }
    public let fieldname: String
    /// The default as written in the DocType.
    public let text: String
    public let kind: Kind

    init(_ field: DocField) {
        fieldname = field.fieldname
        text = field.defaultValue ?? ""
        switch text.lowercased() {
        case "today": kind = .today
        case "now": kind = .now
        case "__user": kind = .user
        default: kind = .literal
        }
    }
}
