import SiteStreamJSON

extension Filter {
    /// Whether `document` satisfies this filter.
    ///
    /// Semantics (chosen to match Frappe on MariaDB where the two can agree without knowing
    /// field types; see `ValueComparison` for how values compare):
    /// - A missing or null field stands for 0 when compared with a number and for `""`
    ///   otherwise, as Frappe's `ifnull(field, fallback)` does. So `!=`, `not in` and
    ///   `not like` match documents where the field is unset, `= ""` and `= 0` match them
    ///   too, and `= "x"` does not.
    /// - `like` with a non-empty pattern never matches an unset field (SQL's `NULL LIKE …`).
    /// - `=` and `in` compare strings exactly (case-sensitively); `like` ignores case.
    /// - `in []` matches nothing and `not in []` matches everything.
    /// - `is "set"` is true when the field is present, not null, not `""` and not an empty list.
    /// - `between [a, b]` includes both ends.
    /// - A list or object field compares with nothing: only `!=`, `not in`, `not like` and
    ///   `is` can match it.
    /// - A filter naming another DocType (a child table) matches when any child row with that
    ///   `doctype` matches.
    public func matches(_ document: JSONObject) -> Bool {
        if let doctype, let own = document["doctype"]?.stringValue, own != doctype {
            return matchesAnyChildRow(of: document, doctype: doctype)
        }
        return matchesValue(document[field])
    }

    private func matchesAnyChildRow(of document: JSONObject, doctype: String) -> Bool {
        for (_, value) in document {
            guard case .array(let rows) = value else { continue }
            for row in rows {
                if case .object(let row) = row, row["doctype"]?.stringValue == doctype,
                    matchesValue(row[field])
                {
                    return true
                }
            }
        }
        return false
    }

    /// Evaluates the operator on one field value (`nil` when the field is missing).
    func matchesValue(_ stored: JSON?) -> Bool {
        switch op {
        case .is:
            let wantSet = value.stringValue == "set"
            return ValueComparison.isUnset(stored) != wantSet
        case .like, .notLike:
            let pattern = ValueComparison.text(of: value) ?? ""
            let matched: Bool
            if stored == nil || stored == .null {
                // Frappe skips `ifnull` for `like` with a non-empty pattern, so SQL's
                // `NULL LIKE …` (false) decides; otherwise the field reads as "".
                if op == .like && !pattern.isEmpty { return false }
                matched = LikePattern(pattern).matches("")
            } else if let text = ValueComparison.text(of: stored!) {
                matched = LikePattern(pattern).matches(text)
            } else {
                matched = false
            }
            return op == .like ? matched : !matched
        case .in, .notIn:
            let candidates = value.arrayValue ?? []
            let actual = effective(stored, comparedWith: value)
            let found = candidates.contains { ValueComparison.compare(actual, $0) == 0 }
            return op == .in ? found : !found
        case .between:
            guard let ends = value.arrayValue, ends.count == 2 else { return false }
            let actual = effective(stored, comparedWith: ends[0])
            guard let low = ValueComparison.compare(actual, ends[0]),
                let high = ValueComparison.compare(actual, ends[1])
            else { return false }
            return low >= 0 && high <= 0
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual:
            let actual = effective(stored, comparedWith: value)
            guard let order = ValueComparison.compare(actual, value) else {
                return op == .notEqual
            }
            switch op {
            case .equal: return order == 0
            case .notEqual: return order != 0
            case .greater: return order > 0
            case .less: return order < 0
            case .greaterOrEqual: return order >= 0
            default: return order <= 0
            }
        }
    }

    private func effective(_ stored: JSON?, comparedWith value: JSON) -> JSON {
        if let stored, stored != .null { return stored }
        return ValueComparison.nullFallback(comparedWith: value)
    }
}
