import SiteStreamJSON

/// A consumer row's condition, in the subset of Frappe's Python conditions that needs no
/// interpreter: comparisons of `doc.<field>` with literals, joined by `and`, `or`, `not` and
/// parentheses.
///
/// ```
/// doc.customer_type == "Individual"
/// doc.public == 1 and not doc.disabled
/// doc.territory in ["North", "South"] or doc.credit_limit >= 1000
/// ```
/// Literals: numbers, 'single' or "double" quoted strings, `True`, `False`, `None`, lists.
/// A bare `doc.<field>` is true when the value is truthy (non-empty, non-zero). Numbers compare
/// as numbers (a Check field's 1 equals `True`). Anything outside the subset is refused when
/// the consumer registers, naming the position.
public struct Condition: Sendable, Equatable {
    indirect enum Node: Sendable, Equatable {
        case field(String)
        case literal(JSON)
        case list([Node])
        case not(Node)
        case and(Node, Node)
        case or(Node, Node)
        case compare(Node, String, Node)
    }

    public let text: String
    let root: Node

    /// Parses `text`; throws `.invalidRequest` naming what was not understood and where.
    public init(_ text: String) throws {
        self.text = text
        var parser = ConditionParser(text)
        root = try parser.parse()
    }

    /// Whether `document` satisfies the condition.
    public func matches(_ document: JSONObject) -> Bool {
        Self.truthy(Self.value(root, document))
    }

    static func value(_ node: Node, _ doc: JSONObject) -> JSON {
        switch node {
        case .field(let name): return doc[name] ?? .null
        case .literal(let v): return v
        case .list(let items): return .array(items.map { value($0, doc) })
        case .not(let inner): return .bool(!truthy(value(inner, doc)))
        case .and(let a, let b): return .bool(truthy(value(a, doc)) && truthy(value(b, doc)))
        case .or(let a, let b): return .bool(truthy(value(a, doc)) || truthy(value(b, doc)))
        case .compare(let a, let op, let b):
            let l = value(a, doc), r = value(b, doc)
            switch op {
            case "==": return .bool(equal(l, r))
            case "!=": return .bool(!equal(l, r))
            case "in": return .bool(r.arrayValue?.contains { equal(l, $0) } ?? false)
            case "not in": return .bool(!(r.arrayValue?.contains { equal(l, $0) } ?? false))
            default:
                guard let order = compare(l, r) else { return false }
                switch op {
                case "<": return .bool(order < 0)
                case "<=": return .bool(order <= 0)
                case ">": return .bool(order > 0)
                default: return .bool(order >= 0)
                }
            }
        }
    }

    static func number(_ v: JSON) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        if a.isNull || b.isNull { return a.isNull && b.isNull }
        return a == b
    }

    static func compare(_ a: JSON, _ b: JSON) -> Int? {
        if let x = number(a), let y = number(b) { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.stringValue, let y = b.stringValue { return x < y ? -1 : (x > y ? 1 : 0) }
        return nil
    }

    static func truthy(_ v: JSON) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }
}

/// Recursive descent over the condition text.
struct ConditionParser {
    let chars: [Character]
    var at = 0

    init(_ text: String) { chars = Array(text) }

    func fail(_ message: String) -> StreamError {
        StreamError(.invalidRequest, "condition: \(message) at character \(at + 1) of \"\(String(chars))\"")
    }

    mutating func parse() throws -> Condition.Node {
        let node = try orExpr()
        skipSpace()
        guard at == chars.count else { throw fail("unexpected '\(chars[at])'") }
        return node
    }

    mutating func skipSpace() { while at < chars.count, chars[at].isWhitespace { at += 1 } }

    /// Consumes `word` if it comes next (as a whole word for letters).
    mutating func take(_ word: String) -> Bool {
        skipSpace()
        let w = Array(word)
        guard at + w.count <= chars.count, Array(chars[at..<at + w.count]) == w else { return false }
        if w.last!.isLetter, at + w.count < chars.count, chars[at + w.count].isLetter || chars[at + w.count] == "_" { return false }
        at += w.count
        return true
    }

    mutating func orExpr() throws -> Condition.Node {
        var node = try andExpr()
        while take("or") { node = .or(node, try andExpr()) }
        return node
    }

    mutating func andExpr() throws -> Condition.Node {
        var node = try notExpr()
        while take("and") { node = .and(node, try notExpr()) }
        return node
    }

    mutating func notExpr() throws -> Condition.Node {
        if take("not") { return .not(try notExpr()) }
        return try comparison()
    }

    mutating func comparison() throws -> Condition.Node {
        let left = try atom()
        for op in ["==", "!=", "<=", ">=", "<", ">"] where take(op) { return .compare(left, op, try atom()) }
        if take("not") {
            guard take("in") else { throw fail("expected 'in' after 'not'") }
            return .compare(left, "not in", try atom())
        }
        if take("in") { return .compare(left, "in", try atom()) }
        return left
    }

    mutating func atom() throws -> Condition.Node {
        skipSpace()
        guard at < chars.count else { throw fail("unexpected end") }
        if take("(") {
            let inner = try orExpr()
            guard take(")") else { throw fail("expected ')'") }
            return inner
        }
        if take("[") {
            var items: [Condition.Node] = []
            if take("]") { return .list(items) }
            repeat { items.append(try atom()) } while take(",")
            guard take("]") else { throw fail("expected ']'") }
            return .list(items)
        }
        if take("doc.") {
            let start = at
            while at < chars.count, chars[at].isLetter || chars[at].isNumber || chars[at] == "_" { at += 1 }
            guard at > start else { throw fail("expected a field name after 'doc.'") }
            return .field(String(chars[start..<at]))
        }
        if take("True") { return .literal(.bool(true)) }
        if take("False") { return .literal(.bool(false)) }
        if take("None") { return .literal(.null) }
        let c = chars[at]
        if c == "\"" || c == "'" {
            at += 1
            var text = ""
            while at < chars.count, chars[at] != c {
                if chars[at] == "\\", at + 1 < chars.count { at += 1 }
                text.append(chars[at])
                at += 1
            }
            guard at < chars.count else { throw fail("unterminated string") }
            at += 1
            return .literal(.string(text))
        }
        if c.isNumber || c == "-" {
            let start = at
            at += 1
            while at < chars.count, chars[at].isNumber || chars[at] == "." { at += 1 }
            let text = String(chars[start..<at])
            if let i = Int64(text) { return .literal(.int(i)) }
            if let d = Double(text) { return .literal(.double(d)) }
            throw fail("bad number \(text)")
        }
        throw fail("expected doc.<field>, a literal, '(' or '['")
    }
}
