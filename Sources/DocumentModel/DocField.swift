import SiteStreamJSON

/// One field of a DocType, in form order.
///
/// `options` means what Frappe makes it mean for the type: the target DocType of a `Link` or
/// `Table`, the sibling field naming the DocType of a `Dynamic Link`, newline-separated choices
/// for a `Select`. `defaultValue` is the string Frappe writes (`"0"`, `"Today"`, `"Pending"`).
public struct DocField: Sendable, Hashable {
    public var fieldname: String
    public var label: String?
    public var fieldtype: FieldType
    public var options: String?
    /// Mandatory: a missing or empty value (or an empty table) is a validation error.
    public var reqd: Bool
    public var unique: Bool
    public var defaultValue: String?
    public var readOnly: Bool
    /// May change while the document is submitted (docstatus 1).
    public var allowOnSubmit: Bool
    public var hidden: Bool
    /// Set on insert, never changed afterwards (Frappe's `set_only_once`; enforced by the site).
    public var setOnlyOnce: Bool
    public var noCopy: Bool
    public var nonNegative: Bool
    public var length: Int?
    public var description: String?

    public init(
        _ fieldname: String, _ fieldtype: FieldType, label: String? = nil, options: String? = nil,
        reqd: Bool = false, unique: Bool = false, defaultValue: String? = nil, readOnly: Bool = false,
        allowOnSubmit: Bool = false, hidden: Bool = false, setOnlyOnce: Bool = false,
        noCopy: Bool = false, nonNegative: Bool = false, length: Int? = nil, description: String? = nil
    ) {
        self.fieldname = fieldname
        self.label = label
        self.fieldtype = fieldtype
        self.options = options
        self.reqd = reqd
        self.unique = unique
        self.defaultValue = defaultValue
        self.readOnly = readOnly
        self.allowOnSubmit = allowOnSubmit
        self.hidden = hidden
        self.setOnlyOnce = setOnlyOnce
        self.noCopy = noCopy
        self.nonNegative = nonNegative
        self.length = length
        self.description = description
    }

    /// The choices of a `Select` field, in order, as Frappe splits `options` (one per line,
    /// an empty first line meaning "no choice" is allowed). Empty for other types.
    public var selectOptions: [String] {
        guard fieldtype == .select, let options else { return [] }
        return options.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0).trimmingWhitespace()
        }
    }

    /// The DocType a `Link`, `Table` or `Table MultiSelect` points to.
    public var targetDocType: String? {
        switch fieldtype {
        case .link, .table, .tableMultiSelect:
            guard let o = options?.trimmingWhitespace(), !o.isEmpty else { return nil }
            return o
        default: return nil
        }
    }
}

extension DocField {
    /// Reads one member of a DocType's `fields` array. Unknown keys are ignored; flags may be
    /// 0/1 integers (Frappe's form), booleans or "0"/"1" strings.
    init(json: JSON, doctype: String, position: Int) throws(DocTypeError) {
        guard let object = json.objectValue else {
            throw DocTypeError(doctype: doctype, field: nil, message: "fields[\(position)] is not a JSON object")
        }
        let typeName = object["fieldtype"]?.stringValue?.trimmingWhitespace()
        let name = object["fieldname"]?.stringValue?.trimmingWhitespace() ?? ""
        guard let typeName, !typeName.isEmpty else {
            let which = name.isEmpty ? "fields[\(position)]" : "field '\(name)'"
            throw DocTypeError(doctype: doctype, field: name.isEmpty ? nil : name,
                               message: "\(which) has no 'fieldtype' string")
        }
        let type = FieldType(rawValue: typeName)
        if name.isEmpty, !type.isLayout {
            throw DocTypeError(doctype: doctype, field: nil,
                               message: "fields[\(position)] (\(typeName)) has no 'fieldname'")
        }
        if let raw = object["fieldname"], raw.stringValue == nil, !raw.isNull {
            throw DocTypeError(doctype: doctype, field: nil, message: "fields[\(position)].fieldname is not a string")
        }
        func flag(_ key: String) throws(DocTypeError) -> Bool {
            guard let value = object[key] else { return false }
            switch value {
            case .null: return false
            case .bool(let b): return b
            case .int(let i): return i != 0
            case .double(let d): return d != 0
            case .string(let s):
                switch s.trimmingWhitespace().lowercased() {
                case "", "0", "false": return false
                case "1", "true": return true
                default: break
                }
            default: break
            }
            throw DocTypeError(doctype: doctype, field: name,
                               message: "field '\(name)': '\(key)' must be 0 or 1, found \(value.briefDescription)")
        }
        func text(_ key: String) throws(DocTypeError) -> String? {
            guard let value = object[key] else { return nil }
            switch value {
            case .null: return nil
            case .string(let s): return s
            case .int(let i): return String(i)
            case .double(let d): return String(d)
            case .bool(let b): return b ? "1" : "0"
            default:
                throw DocTypeError(doctype: doctype, field: name,
                                   message: "field '\(name)': '\(key)' must be a string, found \(value.briefDescription)")
            }
        }
        self.init(
            name, type, label: try text("label"), options: try text("options"), reqd: try flag("reqd"),
            unique: try flag("unique"), defaultValue: try text("default"), readOnly: try flag("read_only"),
            allowOnSubmit: try flag("allow_on_submit"), hidden: try flag("hidden"),
            setOnlyOnce: try flag("set_only_once"), noCopy: try flag("no_copy"),
            nonNegative: try flag("non_negative"), length: object["length"]?.intValue.map { Int($0) },
            description: try text("description"))
    }

    /// The field in Frappe's JSON shape (only non-default keys, as compact exports write them).
    public var json: JSON {
        var o = JSONObject()
        o["fieldname"] = .string(fieldname)
        o["fieldtype"] = .string(fieldtype.rawValue)
        if let label { o["label"] = .string(label) }
        if let options { o["options"] = .string(options) }
        if let defaultValue { o["default"] = .string(defaultValue) }
        if reqd { o["reqd"] = 1 }
        if unique { o["unique"] = 1 }
        if readOnly { o["read_only"] = 1 }
        if allowOnSubmit { o["allow_on_submit"] = 1 }
        if hidden { o["hidden"] = 1 }
        if setOnlyOnce { o["set_only_once"] = 1 }
        if noCopy { o["no_copy"] = 1 }
        if nonNegative { o["non_negative"] = 1 }
        if let length { o["length"] = .int(Int64(length)) }
        if let description { o["description"] = .string(description) }
        return .object(o)
    }
}
