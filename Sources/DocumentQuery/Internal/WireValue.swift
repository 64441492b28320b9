import SiteStreamJSON

/// Helpers for arguments that arrive either as JSON values (a JSON body) or as strings that
/// hold JSON text (a query string or form field), as Frappe's `parse_json` accepts both.
enum WireValue {
    /// Limits for JSON embedded in a query argument: filters nest three levels deep at most,
    /// so a small depth bound costs nothing legitimate and refuses hostile nesting early.
    static let embeddedLimits = JSONLimits(maxDepth: 32, maxBytes: 4 << 20)

    /// A string that starts with `[` or `{` is parsed as JSON text; anything else is returned
    /// as it is.
    static func decodeEmbeddedJSON(_ value: JSON, part: QueryError.Part) throws -> JSON {
        guard case .string(let text) = value else { return value }
        let trimmed = text.trimmingSpaces()
        guard let first = trimmed.first, first == "[" || first == "{" else { return value }
        do {
            return try JSON(parsing: trimmed, limits: embeddedLimits)
        } catch let error as JSONParseError {
            throw QueryError(part, "not valid JSON: \(error.message) (at character \(error.column))")
        }
    }

    /// A short description of a value's kind and text, for error messages.
    static func describe(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .int(let i): return "the number \(i)"
        case .double(let d): return "the number \(d)"
        case .string(let s): return "the string \"\(s.count > 60 ? String(s.prefix(60)) + "…" : s)\""
        case .array(let a): return "a list of \(a.count) element(s)"
        case .object(let o): return "an object of \(o.count) member(s)"
        }
    }
}

/// What SiteStream accepts as a field name in a query: Frappe's fieldnames are lowercase
/// identifiers, but DocTypes exported from apps use capitals and digits too.
enum FieldName {
    static func isValid(_ name: some StringProtocol) -> Bool {
        guard let first = name.unicodeScalars.first, !isDigit(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z")
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
}
