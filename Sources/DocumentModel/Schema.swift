import SiteStreamJSON

/// Something worth telling the operator about a set of DocTypes that still loaded.
public struct SchemaWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A file defines a DocType with a system DocType's name; the system one is kept.
        case systemDocTypeSkipped
        /// A `Table` field names a DocType the schema does not have; rows for it will be refused.
        case missingChildTable
        /// A `Table` field names a DocType that is not a child table (`istable` is not set).
        case tableTargetNotChildTable
    }
    public var kind: Kind
    /// The file the DocType came from, when loaded from files.
    public var file: String?
    public var doctype: String
    public var field: String?
    public var message: String

    public var description: String {
        (file.map { "\($0): " } ?? "") + "DocType '\(doctype)'" + (field.map { ", field '\($0)'" } ?? "") + ": " + message
    }
}

/// The DocTypes of a site by name, the system DocTypes always among them.
public struct Schema: Sendable {
    private var byName: [String: DocType]
    /// What a diff compares, per DocType, resolved once (child tables included).
    private var plans: [String: DiffPlan] = [:]

    /// Only the system DocTypes.
    public static let system = Schema(uncheckedDocTypes: SystemDocTypes.all)

    private init(uncheckedDocTypes: [DocType]) {
        byName = Dictionary(uniqueKeysWithValues: uncheckedDocTypes.map { ($0.name, $0) })
        plans = DiffPlan.plans(for: byName)
    }

    /// The system DocTypes plus `doctypes`. A DocType named like a system one is skipped with a
    /// warning; two DocTypes with one name are an error.
    public init(_ doctypes: [DocType]) throws(DocTypeError) {
        var warnings: [SchemaWarning] = []
        self = try Schema.build(doctypes.map { (nil, $0) }, warnings: &warnings)
    }

    /// Loads DocTypes from Frappe JSON values, e.g. `(file name, parsed JSON)`. Returns the
    /// schema and the warnings; throws for the first DocType that cannot be read (the error
    /// names it and its file) or a name defined twice.
    public static func loading(_ files: [(name: String, json: JSON)]) throws(DocTypeError) -> (schema: Schema, warnings: [SchemaWarning]) {
        var doctypes: [(String?, DocType)] = []
        for file in files {
            do {
                doctypes.append((file.name, try DocType(json: file.json)))
            } catch {
                var e = error
                if e.doctype == "?" { e.doctype = file.name }
                e.message = "\(file.name): \(e.message)"
                throw e
            }
        }
        var warnings: [SchemaWarning] = []
        let schema = try build(doctypes, warnings: &warnings)
        return (schema, warnings)
    }

    private static func build(_ doctypes: [(String?, DocType)], warnings: inout [SchemaWarning]) throws(DocTypeError) -> Schema {
        var schema = Schema.system
        var origin: [String: String] = [:]
        for (file, doctype) in doctypes {
            if SystemDocTypes.names.contains(doctype.name) {
                warnings.append(SchemaWarning(
                    kind: .systemDocTypeSkipped, file: file, doctype: doctype.name, field: nil,
                    message: "'\(doctype.name)' is a system DocType; the built-in definition is kept and this one is skipped"))
                continue
            }
            if schema.byName[doctype.name] != nil {
                let first = origin[doctype.name].map { " (first defined in \($0))" } ?? ""
                throw DocTypeError(doctype: doctype.name, field: nil,
                                   message: "\(file.map { "\($0): " } ?? "")DocType '\(doctype.name)' is defined twice\(first)")
            }
            schema.byName[doctype.name] = doctype
            if let file { origin[doctype.name] = file }
        }
        for (file, doctype) in doctypes {
            guard !SystemDocTypes.names.contains(doctype.name) else { continue }
            for field in doctype.tableFields {
                guard let target = field.targetDocType else { continue }
                if let child = schema.byName[target] {
                    if !child.isChildTable {
                        warnings.append(SchemaWarning(
                            kind: .tableTargetNotChildTable, file: file, doctype: doctype.name, field: field.fieldname,
                            message: "table field '\(field.fieldname)' points to '\(target)', which is not a child table (istable)"))
                    }
                } else {
                    warnings.append(SchemaWarning(
                        kind: .missingChildTable, file: file, doctype: doctype.name, field: field.fieldname,
                        message: "table field '\(field.fieldname)' points to '\(target)', which is not installed; rows for it will be refused"))
                }
            }
        }
        schema.plans = DiffPlan.plans(for: schema.byName)
        return schema
    }

    /// The diff plan of `doctype`: the schema's own when it holds this DocType, else a new one.
    func diffPlan(for doctype: DocType) -> DiffPlan {
        if let plan = plans[doctype.name], plan.fieldCount == doctype.diffFieldIndices.count { return plan }
        return DiffPlan(doctype: doctype) { name in plans[name] }
    }

    /// The diff plan of the DocType called `name`.
    func diffPlan(named name: String) -> DiffPlan? { plans[name] }

    /// The DocType called `name`.
    public subscript(name: String) -> DocType? { byName[name] }

    /// Whether a DocType called `name` is installed (what a Link to `DocType` is checked against).
    public func contains(_ name: String) -> Bool { byName[name] != nil }

    /// Every DocType name, sorted.
    public var names: [String] { byName.keys.sorted() }

    /// Every DocType, sorted by name.
    public var doctypes: [DocType] { names.compactMap { byName[$0] } }

    /// The child DocType of a table field, if installed.
    public func childDocType(of field: DocField) -> DocType? {
        guard field.fieldtype.isTable, let target = field.targetDocType else { return nil }
        return byName[target]
    }
}
