import SiteStreamJSON

/// Reading Frappe method arguments, which arrive as JSON values or as strings (query and
/// form), where a string may hold JSON text (Frappe's `parse_json`).
enum Arguments {
    /// A required non-empty string argument.
    static func string(_ args: JSONObject, _ key: String) throws -> String {
        guard let value = args[key], value != .null else {
            throw BackendError.malformed(message: "missing argument \"\(key)\"")
        }
        guard let s = value.stringValue, !s.isEmpty else {
            throw BackendError.malformed(message: "argument \"\(key)\" must be a non-empty string, found \(value.kindName)")
        }
        return s
    }

    /// A required DocType argument, checked like a path segment.
    static func doctype(_ args: JSONObject) throws -> String {
        let doctype = try string(args, "doctype")
        try PathSegment.validate(doctype, as: .doctype)
        return doctype
    }

    /// A required document name argument, checked like a path segment.
    static func name(_ args: JSONObject, _ key: String = "name") throws -> String {
        let name: String
        if let value = args[key], let i = value.intValue, value.stringValue == nil {
            name = String(i)  // Frappe names may be numbers (autoincrement); clients send them as such
        } else {
            name = try string(args, key)
        }
        try PathSegment.validate(name, as: .name)
        return name
    }

    /// A required argument holding a JSON object, given as an object or as JSON text.
    static func object(_ args: JSONObject, _ key: String, limits: JSONLimits) throws -> JSONObject {
        guard let value = args[key], value != .null else {
            throw BackendError.malformed(message: "missing argument \"\(key)\"")
        }
        switch value {
        case .object(let object): return object
        case .string(let text): return try object(fromJSONText: text, argument: key, limits: limits)
        default: throw BackendError.malformed(message: "argument \"\(key)\" must be a JSON object, found \(value.kindName)")
        }
    }

    /// A required argument holding a JSON list, given as a list or as JSON text.
    static func list(_ args: JSONObject, _ key: String, limits: JSONLimits) throws -> [JSON] {
        guard let value = args[key], value != .null else {
            throw BackendError.malformed(message: "missing argument \"\(key)\"")
        }
        switch value {
        case .array(let items): return items
        case .string(let text):
            guard case .array(let items) = try parse(text, argument: key, limits: limits) else {
                throw BackendError.malformed(message: "argument \"\(key)\" must be a JSON list")
            }
            return items
        default: throw BackendError.malformed(message: "argument \"\(key)\" must be a JSON list, found \(value.kindName)")
        }
    }

    static func object(fromJSONText text: String, argument: String, limits: JSONLimits) throws -> JSONObject {
        guard case .object(let object) = try parse(text, argument: argument, limits: limits) else {
            throw BackendError.malformed(message: "argument \"\(argument)\" must be a JSON object")
        }
        return object
    }

    static func parse(_ text: String, argument: String, limits: JSONLimits) throws -> JSON {
        do {
            return try JSON(parsing: text, limits: limits)
        } catch let error as JSONParseError {
            throw BackendError.malformed(message: "argument \"\(argument)\": \(error.description)")
        }
    }

    /// A boolean argument in Frappe's spellings (`1`/`0`, `true`/`false`, JSON booleans).
    static func flag(_ args: JSONObject, _ key: String, default defaultValue: Bool) throws -> Bool {
        guard let value = args[key], value != .null else { return defaultValue }
        switch value {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .string(let s):
            switch s.lowercased() {
            case "1", "true", "yes": return true
            case "0", "false", "no", "": return false
            default: break
            }
        default: break
        }
        throw BackendError.malformed(message: "argument \"\(key)\" must be true or false, found \(value.kindName)")
    }
}
