import DocumentQuery
import SiteStreamJSON

/// Frappe's `frappe.client.*` whitelisted methods over a `SiteBackend`, with Frappe's
/// argument names and return values. Independent of how the call arrived
/// (`/api/method/…` or `/` with `cmd=`).
struct ClientMethods: Sendable {
    let backend: any SiteBackend
    let limits: ServerLimits

    /// Methods that change the site; they must arrive as POST (or PUT), never GET, so a link
    /// or a prefetching proxy can never write.
    static let writeMethods: Set<String> = [
        "frappe.client.set_value", "frappe.client.insert", "frappe.client.insert_many",
        "frappe.client.save", "frappe.client.submit", "frappe.client.cancel", "frappe.client.delete",
    ]

    static let readMethods: Set<String> = [
        "frappe.client.get", "frappe.client.get_list", "frappe.client.get_value", "frappe.auth.get_logged_user", "ping",
    ]

    /// Frappe refuses `insert_many` beyond 200 documents; so do we.
    static let insertManyLimit = 200

    /// Runs `method`. Returns the value for `message`, or `nil` when the method returns
    /// nothing (the reply is then `{}`).
    func call(_ method: String, arguments args: JSONObject, user: SiteUser) async throws -> JSON? {
        switch method {
        case "ping":
            return "pong"
        case "frappe.auth.get_logged_user":
            return .string(user.name)
        case "frappe.client.get":
            return .object(try await get(args, user: user))
        case "frappe.client.get_list":
            let doctype = try Arguments.doctype(args)
            return .array(try await list(doctype: doctype, query: try ListQuery(arguments: args), user: user).map(JSON.object))
        case "frappe.client.get_value":
            return try await getValue(args, user: user)
        case "frappe.client.set_value":
            return .object(try await setValue(args, user: user))
        case "frappe.client.insert":
            let doc = try Arguments.object(args, "doc", limits: limits.json)
            return .object(try await insert(doc, user: user))
        case "frappe.client.insert_many":
            return try await insertMany(args, user: user)
        case "frappe.client.save":
            let doc = try Arguments.object(args, "doc", limits: limits.json)
            let doctype = try Self.doctype(of: doc)
            guard doc["name"] != nil, doc["name"] != .null else { return .object(try await insert(doc, user: user)) }
            let name = try Arguments.name(doc)
            return .object(try await backend.update(doctype: doctype, name: name, patch: Self.patch(from: doc), user: user))
        case "frappe.client.submit":
            let doc = try Arguments.object(args, "doc", limits: limits.json)
            let doctype = try Self.doctype(of: doc)
            guard doc["name"] != nil, doc["name"] != .null else {
                // A new document submitted at once: Frappe inserts it with docstatus 1.
                var new = doc
                new["docstatus"] = 1
                return .object(try await insert(new, user: user))
            }
            let name = try Arguments.name(doc)
            var patch = Self.patch(from: doc)
            patch.removeValue(forKey: "docstatus")
            return .object(try await backend.submit(doctype: doctype, name: name, patch: patch, user: user))
        case "frappe.client.cancel":
            return .object(try await backend.cancel(doctype: try Arguments.doctype(args), name: try Arguments.name(args), user: user))
        case "frappe.client.delete":
            try await backend.delete(doctype: try Arguments.doctype(args), name: try Arguments.name(args), user: user)
            return nil
        default:
            let supported = (Self.readMethods.subtracting(["ping"]).union(Self.writeMethods)).sorted().joined(separator: ", ")
            throw BackendError.notFound(doctype: "", name: method, message: "no method \"\(method)\"; supported: ping, \(supported)")
        }
    }

    /// The backend's list with the server's page cap applied (`0` = up to the cap).
    func list(doctype: String, query: ListQuery, user: SiteUser) async throws -> [JSONObject] {
        var query = query
        query.limitPageLength = query.limitPageLength == 0 ? limits.maxPageLength : min(query.limitPageLength, limits.maxPageLength)
        return try await backend.list(doctype: doctype, query: query, user: user)
    }

    /// `get(doctype, name=None, filters=None)`: by name, or the first document `filters` select.
    private func get(_ args: JSONObject, user: SiteUser) async throws -> JSONObject {
        let doctype = try Arguments.doctype(args)
        if let name = args["name"], name != .null, name != "" {
            return try await backend.get(doctype: doctype, name: try Arguments.name(args), user: user)
        }
        guard let filters = args["filters"], filters != .null else {
            throw BackendError.malformed(message: "frappe.client.get needs \"name\" or \"filters\"")
        }
        let query = ListQuery(fields: .nameOnly, filters: try Filter.parseList(filters), limitPageLength: 1)
        guard let first = try await list(doctype: doctype, query: query, user: user).first,
            let name = first["name"]?.stringValue
        else {
            throw BackendError.notFound(doctype: doctype, name: nil, message: "no \(doctype) matches the filters")
        }
        return try await backend.get(doctype: doctype, name: name, user: user)
    }

    /// `get_value(doctype, fieldname, filters=None, as_dict=True)`: `filters` is a name or a
    /// filter set; `fieldname` a field or a JSON list of fields. With `as_dict` the reply is
    /// `{field: value}` (`{}` when nothing matches), without it the bare value (or list of
    /// values for several fields, `null` when nothing matches).
    private func getValue(_ args: JSONObject, user: SiteUser) async throws -> JSON? {
        let doctype = try Arguments.doctype(args)
        guard let fieldname = args["fieldname"], fieldname != .null else {
            throw BackendError.malformed(message: "missing argument \"fieldname\"")
        }
        let fields = try FieldSelection.parse(fieldname)
        var filters: [Filter] = []
        if let raw = args["filters"], raw != .null {
            if let text = raw.stringValue, let first = text.trimmingCharacters().first, first != "[" && first != "{" {
                filters = [Filter(field: "name", op: .equal, value: .string(text))]
            } else {
                filters = try Filter.parseList(raw)
            }
        }
        let asDict = try Arguments.flag(args, "as_dict", default: true)
        let query = ListQuery(fields: fields, filters: filters, limitPageLength: 1)
        let found = try await list(doctype: doctype, query: query, user: user).first
        if asDict { return .object(found ?? JSONObject()) }
        guard let found else { return nil }
        return found.count == 1 ? found.values[0] : .array(found.values)
    }

    /// `set_value(doctype, name, fieldname, value=None)`: `fieldname` is a field (set to
    /// `value`) or a JSON object of fields and values. Returns the saved document.
    private func setValue(_ args: JSONObject, user: SiteUser) async throws -> JSONObject {
        let doctype = try Arguments.doctype(args)
        let name = try Arguments.name(args)
        guard let fieldname = args["fieldname"], fieldname != .null else {
            throw BackendError.malformed(message: "missing argument \"fieldname\"")
        }
        let patch: JSONObject
        if case .object(let values) = fieldname {
            patch = values
        } else if let text = fieldname.stringValue, text.trimmingCharacters().first == "{" {
            patch = try Arguments.object(fromJSONText: text, argument: "fieldname", limits: limits.json)
        } else if let field = fieldname.stringValue, !field.isEmpty {
            patch = JSONObject([(field, args["value"] ?? .null)])
        } else {
            throw BackendError.malformed(message: "argument \"fieldname\" must be a field name or a JSON object of values")
        }
        return try await backend.update(doctype: doctype, name: name, patch: Self.patch(from: patch), user: user)
    }

    private func insert(_ doc: JSONObject, user: SiteUser) async throws -> JSONObject {
        let doctype = try Self.doctype(of: doc)
        return try await backend.insert(doctype: doctype, document: doc, user: user)
    }

    /// `insert_many(docs)`: every document is checked for a DocType before any is inserted;
    /// then they are inserted in order and their names returned. A failure part-way leaves
    /// the earlier ones inserted (each insert is its own commit), and the error says which.
    private func insertMany(_ args: JSONObject, user: SiteUser) async throws -> JSON {
        let items = try Arguments.list(args, "docs", limits: limits.json)
        guard items.count <= Self.insertManyLimit else {
            throw BackendError.validation(message: "insert_many takes at most \(Self.insertManyLimit) documents, got \(items.count)")
        }
        let docs: [JSONObject] = try items.enumerated().map { index, item in
            guard case .object(let doc) = item else {
                throw BackendError.malformed(message: "docs[\(index)] must be a JSON object, found \(item.kindName)")
            }
            _ = try Self.doctype(of: doc, place: "docs[\(index)]")
            return doc
        }
        var names: [JSON] = []
        for (index, doc) in docs.enumerated() {
            do {
                let stored = try await insert(doc, user: user)
                names.append(stored["name"] ?? .null)
            } catch let error as BackendError where index > 0 {
                throw error.prefixed("docs[\(index)] (after \(index) inserted): ")
            }
        }
        return .array(names)
    }

    static func doctype(of doc: JSONObject, place: String = "doc") throws -> String {
        guard let doctype = doc["doctype"]?.stringValue, !doctype.isEmpty else {
            throw BackendError.malformed(message: "\(place) has no \"doctype\"")
        }
        try PathSegment.validate(doctype, as: .doctype)
        return doctype
    }

    /// A patch without the members that identify the document or steer Frappe internals.
    /// `docstatus` stays: as in Frappe's `save`, a patch moving it 0 → 1 submits and 1 → 2
    /// cancels; the backend decides.
    static func patch(from doc: JSONObject) -> JSONObject {
        var patch = doc
        for key in ["doctype", "name", "flags", "__islocal", "__unsaved"] { patch.removeValue(forKey: key) }
        return patch
    }
}

extension String {
    func trimmingCharacters() -> Substring {
        Substring(self).trimmingCharacters(" ")
    }
}

extension BackendError {
    /// The same error with `prefix` before its message.
    func prefixed(_ prefix: String) -> BackendError {
        switch self {
        case .notFound(let d, let n, let m): return .notFound(doctype: d, name: n, message: prefix + m)
        case .duplicate(let d, let n, let m): return .duplicate(doctype: d, name: n, message: prefix + m)
        case .validation(let m, let d, let f, let t): return .validation(message: prefix + m, doctype: d, field: f, excType: t)
        case .permission(let m): return .permission(message: prefix + m)
        case .timestampMismatch(let d, let n, let m): return .timestampMismatch(doctype: d, name: n, message: prefix + m)
        case .malformed(let m): return .malformed(message: prefix + m)
        case .tooLarge(let m): return .tooLarge(message: prefix + m)
        case .authentication(let m): return .authentication(message: prefix + m)
        case .requestTimeout(let m): return .requestTimeout(message: prefix + m)
        case .methodNotAllowed(let m): return .methodNotAllowed(message: prefix + m)
        case .gone(let m): return .gone(message: prefix + m)
        }
    }
}
