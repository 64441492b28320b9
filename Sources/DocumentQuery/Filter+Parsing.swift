import SiteStreamJSON

extension Filter {
    /// Reads a filter set in any of Frappe's wire forms:
    /// - a list of lists, each `[doctype, field, op, value]` or `[field, op, value]`;
    /// - a dict `{"field": value}` (meaning `=`) or `{"field": ["op", value]}`;
    /// - `null` or an empty string: no filters.
    ///
    /// A JSON text in a string (as a query string carries it) is parsed first.
    /// - Throws: `QueryError` for `part`, naming the filter (1-based) and what is wrong with it.
    public static func parseList(_ wire: JSON?, part: QueryError.Part = .filters) throws -> [Filter] {
        guard let wire else { return [] }
        switch try WireValue.decodeEmbeddedJSON(wire, part: part) {
        case .null:
            return []
        case .string(let s) where s.trimmingSpaces().isEmpty:
            return []
        case .array(let items):
            // A single filter written flat (`["status", "=", "Open"]`) is accepted too, as
            // Frappe accepts it: it is a list whose first element is not itself a list.
            if let first = items.first, first.arrayValue == nil, first.objectValue == nil {
                return [try parseTuple(items, position: 1, part: part)]
            }
            return try items.enumerated().map { index, item in
                switch item {
                case .array(let tuple):
                    return try parseTuple(tuple, position: index + 1, part: part)
                case .object(let object):
                    let filters = try parseDict(object, part: part)
                    guard filters.count == 1 else {
                        throw QueryError(part, "filter \(index + 1): a dict inside a filter list must hold exactly one field")
                    }
                    return filters[0]
                default:
                    throw QueryError(part, "filter \(index + 1): expected a list [field, operator, value], found \(WireValue.describe(item))")
                }
            }
        case .object(let object):
            return try parseDict(object, part: part)
        case let other:
            throw QueryError(part, "expected a list of [field, operator, value] lists or a {field: value} dict, found \(WireValue.describe(other))")
        }
    }

    /// `[field, op, value]` or `[doctype, field, op, value]`.
    static func parseTuple(_ tuple: [JSON], position: Int, part: QueryError.Part) throws -> Filter {
        let doctype: String?
        let rest: ArraySlice<JSON>
        switch tuple.count {
        case 3:
            doctype = nil
            rest = tuple[0...]
        case 4:
            guard let dt = tuple[0].stringValue, !dt.isEmpty else {
                throw QueryError(part, "filter \(position): the DocType (first of four elements) must be a non-empty string, found \(WireValue.describe(tuple[0]))")
            }
            doctype = dt
            rest = tuple[1...]
        default:
            throw QueryError(part, "filter \(position): expected [field, operator, value] or [doctype, field, operator, value], found a list of \(tuple.count) element(s)")
        }
        let fieldValue = rest[rest.startIndex]
        guard let field = fieldValue.stringValue else {
            throw QueryError(part, "filter \(position): the field name must be a string, found \(WireValue.describe(fieldValue))")
        }
        let opValue = rest[rest.startIndex + 1]
        guard let opText = opValue.stringValue else {
            throw QueryError(part, "filter \(position): the operator must be a string, found \(WireValue.describe(opValue))")
        }
        return try make(
            doctype: doctype, field: field, opText: opText, value: rest[rest.startIndex + 2],
            place: "filter \(position)", part: part)
    }

    /// `{"field": value}` or `{"field": ["op", value]}`, one filter per member, in order.
    static func parseDict(_ object: JSONObject, part: QueryError.Part) throws -> [Filter] {
        try object.map { key, value in
            let place = "filter on \"\(key)\""
            if case .array(let pair) = value, let opText = pair.first?.stringValue,
                FilterOperator(wire: opText) != nil || pair.count == 2
            {
                guard pair.count == 2 else {
                    throw QueryError(part, "\(place): expected [operator, value], found a list of \(pair.count) element(s)")
                }
                return try make(doctype: nil, field: key, opText: opText, value: pair[1], place: place, part: part)
            }
            if case .array = value {
                throw QueryError(part, "\(place): expected a value or [operator, value], found \(WireValue.describe(value))")
            }
            return try make(doctype: nil, field: key, opText: "=", value: value, place: place, part: part)
        }
    }

    /// Checks the field and operator and normalises the value for the operator.
    static func make(
        doctype: String?, field: String, opText: String, value: JSON, place: String, part: QueryError.Part
    ) throws -> Filter {
        guard FieldName.isValid(field) else {
            throw QueryError(part, "\(place): \"\(field)\" is not a field name (letters, digits and _ only)")
        }
        guard let op = FilterOperator(wire: opText) else {
            throw QueryError(part, "\(place): unknown operator \"\(opText)\"; supported: \(FilterOperator.supportedList)")
        }
        let normalized: JSON
        switch op {
        case .in, .notIn:
            normalized = try normalizeList(value, place: place, op: op, part: part)
        case .is:
            guard let s = value.stringValue?.trimmingSpaces().lowercased(), s == "set" || s == "not set" else {
                throw QueryError(part, "\(place): \"is\" takes \"set\" or \"not set\", found \(WireValue.describe(value))")
            }
            normalized = .string(s)
        case .between:
            let list = try normalizeList(value, place: place, op: op, part: part)
            guard let ends = list.arrayValue, ends.count == 2, ends.allSatisfy(Self.isScalar) else {
                throw QueryError(part, "\(place): \"between\" takes a list of two values [low, high], found \(WireValue.describe(value))")
            }
            normalized = list
        case .like, .notLike:
            guard value.stringValue != nil || value.intValue != nil || value.doubleValue != nil else {
                throw QueryError(part, "\(place): \"\(op.rawValue)\" takes a text pattern, found \(WireValue.describe(value))")
            }
            normalized = value
        default:
            guard isScalar(value) else {
                throw QueryError(part, "\(place): \"\(op.rawValue)\" compares with one value, found \(WireValue.describe(value))")
            }
            normalized = value
        }
        return Filter(doctype: doctype, field: field, op: op, value: normalized)
    }

    /// A list value for `in`/`not in`/`between`: a JSON list of scalars, or a comma-separated
    /// string split at the commas with spaces trimmed (Frappe's form for query strings).
    static func normalizeList(_ value: JSON, place: String, op: FilterOperator, part: QueryError.Part) throws -> JSON {
        switch value {
        case .array(let items):
            guard items.allSatisfy(isScalar) else {
                throw QueryError(part, "\(place): \"\(op.rawValue)\" takes a list of plain values, found a nested list or object")
            }
            return value
        case .string(let s):
            if s.trimmingSpaces().isEmpty { return .array([]) }
            return .array(s.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0).trimmingSpaces()) })
        default:
            throw QueryError(part, "\(place): \"\(op.rawValue)\" takes a list or a comma-separated string, found \(WireValue.describe(value))")
        }
    }

    static func isScalar(_ value: JSON) -> Bool {
        switch value {
        case .array, .object: return false
        default: return true
        }
    }
}
