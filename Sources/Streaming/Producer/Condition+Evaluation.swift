import Foundation
import SiteStreamJSON

/// Evaluates a parsed condition over one document with Python's semantics for the values JSON
/// has: `None`, booleans, integers (64-bit, overflow is an error), floats, strings, lists and
/// objects (a document or row). A missing field reads as `None`, as on a Frappe document.
/// Every node visited and every row walked costs a step; every string or list built costs its
/// size in bytes; running out of either throws.
struct ConditionEvaluator {
    let document: JSONObject
    var steps: Int
    var bytes: Int
    var variables: [(String, JSON)] = []

    init(document: JSONObject, budget: ConditionBudget) {
        self.document = document
        steps = budget.steps
        bytes = budget.bytes
    }

    mutating func step() throws {
        steps -= 1
        if steps < 0 { throw ConditionError("the condition took more than its step budget; it was stopped") }
    }

    mutating func allocate(_ count: Int) throws {
        bytes -= count
        if bytes < 0 { throw ConditionError("the condition would build more than its memory budget; it was stopped") }
    }

    static func typeName(_ v: JSON) -> String {
        switch v {
        case .null: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .object: "dict"
        }
    }

    static func at(_ position: Int) -> String { " (at character \(position + 1))" }

    mutating func value(_ expr: Condition.Expr) throws -> JSON {
        try step()
        switch expr {
        case .literal(let v):
            return v
        case .variable(let name):
            if let bound = variables.last(where: { $0.0 == name }) { return bound.1 }
            return .object(document)
        case .list(let items):
            try allocate(16 * items.count)
            var out: [JSON] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try value(item)) }
            return .array(out)
        case .attribute(let base, let name, let position):
            let object = try value(base)
            guard case .object(let o) = object else {
                throw ConditionError("AttributeError: \(Self.typeName(object)) has no attribute '\(name)'\(Self.at(position))")
            }
            return o[name] ?? .null
        case .index(let base, let indexExpr, let position):
            return try index(try value(base), try value(indexExpr), position)
        case .not(let inner):
            return .bool(!Condition.truthy(try value(inner)))
        case .negate(let inner, let position):
            switch try value(inner) {
            case .int(let i):
                guard i != .min else { throw ConditionError("OverflowError: integer overflow\(Self.at(position))") }
                return .int(-i)
            case .double(let d): return .double(-d)
            case .bool(let b): return .int(b ? -1 : 0)
            case let other: throw ConditionError("TypeError: bad operand type for unary -: '\(Self.typeName(other))'\(Self.at(position))")
            }
        case .and(let a, let b):
            let left = try value(a)
            return Condition.truthy(left) ? try value(b) : left
        case .or(let a, let b):
            let left = try value(a)
            return Condition.truthy(left) ? left : try value(b)
        case .compare(let first, let rest, let position):
            var left = try value(first)
            for comparison in rest {
                let right = try value(comparison.right)
                guard try compare(left, comparison.op, right, position) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .binary(let op, let a, let b, let position):
            return try arithmetic(op, try value(a), try value(b), position)
        case .call(let function, let args, let position):
            return try call(function, args, position)
        case .method(let base, let method, let args, let position):
            let receiver = try value(base)
            var values: [JSON] = []
            for arg in args { values.append(try value(arg)) }
            return try self.method(method, receiver, values, position)
        case .generator:
            throw ConditionError("a generator is only valid as the argument of any, all, sum, min, max or len")
        }
    }

    // MARK: Generators

    /// Walks a generator, handing each element to `body`, which returns false to stop early.
    mutating func walk(_ expr: Condition.Expr, _ position: Int, _ body: (inout ConditionEvaluator, JSON) throws -> Bool) throws {
        guard case .generator(let element, let variable, let source, let filter) = expr else {
            for item in try iterable(try value(expr), position) {
                try step()
                if try !body(&self, item) { return }
            }
            return
        }
        let items = try iterable(try value(source), position)
        for item in items {
            try step()
            variables.append((variable, item))
            defer { variables.removeLast() }
            if let filter, !Condition.truthy(try value(filter)) { continue }
            let produced = try value(element)
            if try !body(&self, produced) { return }
        }
    }

    func iterable(_ v: JSON, _ position: Int) throws -> [JSON] {
        switch v {
        case .array(let a): return a
        case .string(let s): return s.map { .string(String($0)) }
        case .object(let o): return o.keys.map(JSON.string)
        default: throw ConditionError("TypeError: '\(Self.typeName(v))' object is not iterable\(Self.at(position))")
        }
    }

    // MARK: Functions and methods

    mutating func call(_ function: Condition.Function, _ args: [Condition.Expr], _ position: Int) throws -> JSON {
        switch function {
        case .any:
            var found = false
            try walk(args[0], position) { _, v in
                if Condition.truthy(v) { found = true; return false }
                return true
            }
            return .bool(found)
        case .all:
            var every = true
            try walk(args[0], position) { _, v in
                if !Condition.truthy(v) { every = false; return false }
                return true
            }
            return .bool(every)
        case .sum:
            var total: JSON = .int(0)
            try walk(args[0], position) { e, v in
                total = try e.arithmetic(.add, total, v, position)
                return true
            }
            return total
        case .min, .max:
            var best: JSON?
            let op: Condition.CompareOp = function == .min ? .less : .greater
            if args.count > 1 {
                for arg in args {
                    let v = try value(arg)
                    if try best == nil || compare(v, op, best!, position) { best = v }
                }
            } else {
                try walk(args[0], position) { e, v in
                    if try best == nil || e.compare(v, op, best!, position) { best = v }
                    return true
                }
            }
            guard let best else { throw ConditionError("ValueError: \(function.rawValue)() of an empty sequence\(Self.at(position))") }
            return best
        case .list:
            var out: [JSON] = []
            try walk(args[0], position) { e, v in
                try e.allocate(16)
                out.append(v)
                return true
            }
            return .array(out)
        case .len:
            if case .generator = args[0] { throw ConditionError("TypeError: a generator has no len()\(Self.at(position))") }
            switch try value(args[0]) {
            case .string(let s): return .int(Int64(s.count))
            case .array(let a): return .int(Int64(a.count))
            case .object(let o): return .int(Int64(o.count))
            case let other: throw ConditionError("TypeError: object of type '\(Self.typeName(other))' has no len()\(Self.at(position))")
            }
        case .abs:
            switch try value(args[0]) {
            case .int(let i) where i != .min: return .int(Swift.abs(i))
            case .double(let d): return .double(Swift.abs(d))
            case .bool(let b): return .int(b ? 1 : 0)
            case let other: throw ConditionError("TypeError: bad operand type for abs(): '\(Self.typeName(other))'\(Self.at(position))")
            }
        case .int:
            let v = try value(args[0])
            switch v {
            case .int: return v
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d) where d.isFinite && Swift.abs(d) < 9.2e18: return .int(Int64(d.rounded(.towardZero)))
            case .string(let s):
                if let i = Int64(s.trimmingCharacters(in: .whitespaces)) { return .int(i) }
                throw ConditionError("ValueError: invalid literal for int(): '\(s.prefix(40))'\(Self.at(position))")
            default: throw ConditionError("TypeError: int() cannot convert '\(Self.typeName(v))'\(Self.at(position))")
            }
        case .float:
            let v = try value(args[0])
            if let d = Self.number(v) { return .double(d) }
            if case .string(let s) = v, let d = Double(s.trimmingCharacters(in: .whitespaces)) { return .double(d) }
            throw ConditionError("ValueError: could not convert '\(Self.typeName(v))' to float\(Self.at(position))")
        case .str:
            let v = try value(args[0])
            let text: String
            switch v {
            case .string(let s): text = s
            case .null: text = "None"
            case .bool(let b): text = b ? "True" : "False"
            case .int(let i): text = String(i)
            case .double(let d): text = String(d)
            default: text = v.serializedString()
            }
            try allocate(text.utf8.count)
            return .string(text)
        case .bool:
            return .bool(Condition.truthy(try value(args[0])))
        }
    }

    mutating func method(_ method: Condition.Method, _ receiver: JSON, _ args: [JSON], _ position: Int) throws -> JSON {
        if method == .get {
            guard case .object(let o) = receiver else {
                throw ConditionError("AttributeError: '\(Self.typeName(receiver))' object has no attribute 'get'\(Self.at(position))")
            }
            guard case .string(let key) = args[0] else {
                throw ConditionError("TypeError: get() takes a field name (a string)\(Self.at(position))")
            }
            return o[key] ?? (args.count > 1 ? args[1] : .null)
        }
        guard case .string(let s) = receiver else {
            throw ConditionError("AttributeError: '\(Self.typeName(receiver))' object has no attribute '\(method.rawValue)'\(Self.at(position))")
        }
        func text(_ v: JSON) throws -> String {
            guard case .string(let t) = v else {
                throw ConditionError("TypeError: \(method.rawValue)() takes a string, not '\(Self.typeName(v))'\(Self.at(position))")
            }
            return t
        }
        func prefixes(_ v: JSON) throws -> [String] {
            if case .array(let items) = v { return try items.map(text) }
            return [try text(v)]
        }
        switch method {
        case .startswith: return .bool(try prefixes(args[0]).contains { s.hasPrefix($0) })
        case .endswith: return .bool(try prefixes(args[0]).contains { s.hasSuffix($0) })
        case .lower, .upper:
            try allocate(s.utf8.count)
            return .string(method == .lower ? s.lowercased() : s.uppercased())
        case .strip, .lstrip, .rstrip:
            let characters = args.isEmpty ? nil : Set(try text(args[0]))
            let strip: (Character) -> Bool = { characters?.contains($0) ?? $0.isWhitespace }
            var t = Substring(s)
            if method != .rstrip { t = t.drop(while: strip) }
            if method != .lstrip { while let last = t.last, strip(last) { t = t.dropLast() } }
            try allocate(t.utf8.count)
            return .string(String(t))
        case .isdigit: return .bool(!s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber })
        case .count:
            let needle = try text(args[0])
            guard !needle.isEmpty else { return .int(Int64(s.count + 1)) }
            return .int(Int64(s.components(separatedBy: needle).count - 1))
        case .find:
            let needle = try text(args[0])
            guard let range = s.range(of: needle) else { return .int(-1) }
            return .int(Int64(s.distance(from: s.startIndex, to: range.lowerBound)))
        case .get: return .null  // handled above
        }
    }

    // MARK: Operators

    static func number(_ v: JSON) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    static func integer(_ v: JSON) -> Int64? {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        if let x = integer(a), let y = integer(b) { return x == y }
        if let x = number(a), let y = number(b) { return x == y }
        switch (a, b) {
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: return a == b
        }
    }

    mutating func compare(_ l: JSON, _ op: Condition.CompareOp, _ r: JSON, _ position: Int) throws -> Bool {
        switch op {
        case .equal: return Self.equal(l, r)
        case .notEqual: return !Self.equal(l, r)
        case .is, .isNot:
            // Identity for the singletons Python code tests this way (`is None`, `is True`).
            let same: Bool
            switch (l, r) {
            case (.null, .null): same = true
            case (.bool(let x), .bool(let y)): same = x == y
            default: same = false
            }
            return op == .is ? same : !same
        case .in, .notIn:
            let found: Bool
            switch r {
            case .array(let items):
                found = try items.contains { item in
                    try step()
                    return Self.equal(l, item)
                }
            case .string(let s):
                guard case .string(let needle) = l else {
                    throw ConditionError("TypeError: 'in <string>' requires a string on the left, not '\(Self.typeName(l))'\(Self.at(position))")
                }
                found = s.contains(needle)
            case .object(let o):
                guard case .string(let key) = l else { return op == .notIn }
                found = o[key] != nil
            default:
                throw ConditionError("TypeError: argument of type '\(Self.typeName(r))' is not a container\(Self.at(position))")
            }
            return op == .in ? found : !found
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order = try Self.order(l, r, op, position)
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    static func order(_ l: JSON, _ r: JSON, _ op: Condition.CompareOp, _ position: Int) throws -> Int {
        if let x = integer(l), let y = integer(r) { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = number(l), let y = number(r) { return x < y ? -1 : (x > y ? 1 : 0) }
        if case .string(let x) = l, case .string(let y) = r { return x < y ? -1 : (x > y ? 1 : 0) }
        if case .array(let x) = l, case .array(let y) = r {
            for (a, b) in zip(x, y) where !equal(a, b) { return try order(a, b, op, position) }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        }
        throw ConditionError("TypeError: '\(op.rawValue)' not supported between '\(typeName(l))' and '\(typeName(r))'\(at(position))")
    }

    mutating func arithmetic(_ op: Condition.BinaryOp, _ l: JSON, _ r: JSON, _ position: Int) throws -> JSON {
        func fail() -> ConditionError {
            ConditionError("TypeError: unsupported operand types for \(op.rawValue): '\(Self.typeName(l))' and '\(Self.typeName(r))'\(Self.at(position))")
        }
        func overflow() -> ConditionError { ConditionError("OverflowError: integer overflow in \(op.rawValue)\(Self.at(position))") }
        switch (op, l, r) {
        case (.add, .string(let a), .string(let b)):
            try allocate(a.utf8.count + b.utf8.count)
            return .string(a + b)
        case (.add, .array(let a), .array(let b)):
            try allocate(16 * (a.count + b.count))
            return .array(a + b)
        case (.multiply, .string, _), (.multiply, .array, _), (.multiply, _, .string), (.multiply, _, .array):
            let (sequence, times) = Self.integer(r) != nil ? (l, r) : (r, l)
            guard let n = Self.integer(times) else { throw fail() }
            let count = Swift.max(0, n)
            let unit: Int
            switch sequence {
            case .string(let s): unit = s.utf8.count
            case .array(let a): unit = 16 * a.count
            default: throw fail()
            }
            // Checked before anything is built: `"x" * 10**12` stops here.
            let (total, over) = Int64(unit).multipliedReportingOverflow(by: count)
            guard !over, total <= Int64(bytes) else {
                throw ConditionError("the condition would build more than its memory budget; it was stopped\(Self.at(position))")
            }
            try allocate(Int(total))
            if case .string(let s) = sequence { return .string(String(repeating: s, count: Int(count))) }
            if case .array(let a) = sequence { return .array(Array([[JSON]](repeating: a, count: Int(count)).joined())) }
            throw fail()
        default:
            break
        }
        if let a = Self.integer(l), let b = Self.integer(r) {
            switch op {
            case .add:
                let (v, o) = a.addingReportingOverflow(b); if o { throw overflow() }; return .int(v)
            case .subtract:
                let (v, o) = a.subtractingReportingOverflow(b); if o { throw overflow() }; return .int(v)
            case .multiply:
                let (v, o) = a.multipliedReportingOverflow(by: b); if o { throw overflow() }; return .int(v)
            case .divide:
                guard b != 0 else { throw ConditionError("ZeroDivisionError: division by zero\(Self.at(position))") }
                return .double(Double(a) / Double(b))
            case .floorDivide, .modulo:
                guard b != 0 else { throw ConditionError("ZeroDivisionError: integer division or modulo by zero\(Self.at(position))") }
                guard !(a == .min && b == -1) else { throw overflow() }
                var q = a / b, m = a % b
                if m != 0, (m < 0) != (b < 0) { q -= 1; m += b }  // Python rounds toward negative infinity
                return .int(op == .floorDivide ? q : m)
            }
        }
        guard let a = Self.number(l), let b = Self.number(r) else { throw fail() }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide, .floorDivide, .modulo:
            guard b != 0 else { throw ConditionError("ZeroDivisionError: float division by zero\(Self.at(position))") }
            if op == .divide { return .double(a / b) }
            let q = (a / b).rounded(.down)
            return .double(op == .floorDivide ? q : a - q * b)
        }
    }

    func index(_ base: JSON, _ key: JSON, _ position: Int) throws -> JSON {
        switch base {
        case .array(let items):
            guard let i = Self.integer(key) else {
                throw ConditionError("TypeError: list indices must be integers, not '\(Self.typeName(key))'\(Self.at(position))")
            }
            let j = i < 0 ? Int64(items.count) + i : i
            guard j >= 0, j < items.count else { throw ConditionError("IndexError: list index \(i) out of range (\(items.count) items)\(Self.at(position))") }
            return items[Int(j)]
        case .string(let s):
            guard let i = Self.integer(key) else {
                throw ConditionError("TypeError: string indices must be integers\(Self.at(position))")
            }
            let chars = Array(s)
            let j = i < 0 ? Int64(chars.count) + i : i
            guard j >= 0, j < chars.count else { throw ConditionError("IndexError: string index out of range\(Self.at(position))") }
            return .string(String(chars[Int(j)]))
        case .object(let o):
            guard case .string(let k) = key else {
                throw ConditionError("TypeError: a document's fields are named by strings\(Self.at(position))")
            }
            guard let v = o[k] else { throw ConditionError("KeyError: '\(k)'\(Self.at(position))") }
            return v
        default:
            throw ConditionError("TypeError: '\(Self.typeName(base))' object is not subscriptable\(Self.at(position))")
        }
    }
}
