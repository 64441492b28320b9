import SiteStreamJSON

/// How field values compare, close to what Frappe's SQL does on MariaDB:
/// - booleans are the numbers 0 and 1 (Frappe's Check fields);
/// - two numbers compare numerically, `int` and `double` alike (`1 == 1.0`);
/// - a number and a string that reads as a number compare numerically (`"10" > 9`);
/// - two strings compare by Unicode code point order, case-sensitively;
/// - a number and a non-numeric string compare as text;
/// - lists and objects do not compare with anything (`nil`).
enum ValueComparison {
    static func compare(_ lhs: JSON, _ rhs: JSON) -> Int? {
        switch (scalar(lhs), scalar(rhs)) {
        case (.number(let a), .number(let b)):
            return a < b ? -1 : (a > b ? 1 : 0)
        case (.number(let a), .text(let s)):
            if let b = Double(s.trimmingSpaces()) { return a < b ? -1 : (a > b ? 1 : 0) }
            return compareText(text(of: lhs), s)
        case (.text(let s), .number(let b)):
            if let a = Double(s.trimmingSpaces()) { return a < b ? -1 : (a > b ? 1 : 0) }
            return compareText(s, text(of: rhs))
        case (.text(let a), .text(let b)):
            return compareText(a, b)
        case (.null, .null):
            return 0
        default:
            return nil
        }
    }

    /// The value a missing or null field is taken to have, as Frappe's `ifnull(field, fallback)`
    /// does: 0 when it is compared with a number, the empty string otherwise.
    static func nullFallback(comparedWith value: JSON) -> JSON {
        switch value {
        case .int, .double, .bool: return .int(0)
        case .array(let items): return items.first.map(nullFallback(comparedWith:)) ?? .string("")
        default: return .string("")
        }
    }

    /// The value as text for `like` and text comparisons; `nil` for lists and objects.
    static func text(of value: JSON) -> String? {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "1" : "0"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .array, .object: return nil
        }
    }

    /// True for null, a missing value's stand-in, and the empty string.
    static func isUnset(_ value: JSON?) -> Bool {
        switch value {
        case nil, .null?: return true
        case .string(let s)?: return s.isEmpty
        case .array(let a)?: return a.isEmpty
        default: return false
        }
    }

    private enum Scalar {
        case null
        case number(Double)
        case text(String)
        case other
    }

    private static func scalar(_ value: JSON) -> Scalar {
        switch value {
        case .null: return .null
        case .bool(let b): return .number(b ? 1 : 0)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .string(let s): return .text(s)
        case .array, .object: return .other
        }
    }

    private static func compareText(_ a: String?, _ b: String?) -> Int? {
        guard let a, let b else { return nil }
        if a == b { return 0 }
        // Code-point order, so results do not depend on the platform's collation.
        return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
    }
}

/// SQL `LIKE` matching: `%` matches any run of characters, `_` exactly one, `\` makes the
/// next character literal. Case-insensitive, as `LIKE` is under Frappe's default collation.
struct LikePattern: Sendable {
    private enum Token: Equatable {
        case literal(Character)
        case one
        case any
    }

    private let tokens: [Token]

    init(_ pattern: String) {
        var tokens: [Token] = []
        var escaped = false
        for ch in pattern.lowercased() {
            if escaped {
                tokens.append(.literal(ch))
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "%" {
                if tokens.last != .any { tokens.append(.any) }
            } else if ch == "_" {
                tokens.append(.one)
            } else {
                tokens.append(.literal(ch))
            }
        }
        if escaped { tokens.append(.literal("\\")) }
        self.tokens = tokens
    }

    /// Greedy matching with one backtrack point per `%`: linear in practice, quadratic at worst.
    func matches(_ text: String) -> Bool {
        let chars = Array(text.lowercased())
        var t = 0
        var c = 0
        var starToken = -1
        var starChar = 0
        while c < chars.count {
            if t < tokens.count {
                switch tokens[t] {
                case .any:
                    starToken = t
                    starChar = c
                    t += 1
                    continue
                case .one:
                    t += 1
                    c += 1
                    continue
                case .literal(let l) where l == chars[c]:
                    t += 1
                    c += 1
                    continue
                default:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            t = starToken + 1
            starChar += 1
            c = starChar
        }
        while t < tokens.count, tokens[t] == .any { t += 1 }
        return t == tokens.count
    }
}
