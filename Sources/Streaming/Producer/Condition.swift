import SiteStreamJSON

/// A consumer row's condition: which documents of a DocType the consumer may see.
///
/// Two forms, as in Frappe. An **expression** over the document in the Python syntax Frappe
/// users write, evaluated by our own interpreter (no I/O, nothing beyond the document, bounded
/// steps and memory):
///
/// ```
/// doc.customer_group == "Wholesale"
/// doc.territory in ("North", "East") and doc.grand_total > 1000
/// not doc.disabled
/// doc.branch.startswith("BR-")
/// len(doc.items) > 0 and any(row.item_group == "Spares" for row in doc.items)
/// ```
/// Or **`cmd:NAME`**, a Swift function an app registered under that name in the producer's
/// `ConditionFunctions`.
///
/// The text is parsed once, when the subscription is saved; anything malformed or unknown is
/// refused naming the character position and the reason. Grammar and semantics:
/// docs/streaming.md, "Conditions".
public struct Condition: Sendable {
    public enum Kind: Sendable {
        case expression
        /// `cmd:NAME`: the registered function's name.
        case command(String)
    }

    public let text: String
    public let kind: Kind
    let expr: Expr?
    let function: (any ConditionFunction)?
    /// The document's top-level fields the expression reads, when it reads nothing else
    /// (`fieldsRead(by:)`); nil when it needs the whole document.
    let fields: [String]?
    /// Reads those fields out of a payload (nil with `fields`).
    let fieldScan: JSONFieldScan?

    /// Parses `text`; a `cmd:` name must be registered in `functions`. Throws `.invalidRequest`
    /// naming the position (1-based character) and the reason.
    public init(_ text: String, functions: ConditionFunctions = ConditionFunctions()) throws {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("cmd:") {
            let name = trimmed.dropFirst(4).trimmingCharacters(in: .whitespaces)
            guard let function = functions.function(named: name) else {
                let known = functions.names.isEmpty ? "none are registered" : "registered: \(functions.names.joined(separator: ", "))"
                throw StreamError(.invalidRequest, "condition \"\(text)\": no condition function named '\(name)' is registered on this site (\(known))")
            }
            kind = .command(name)
            expr = nil
            self.function = function
            fields = nil
            fieldScan = nil
            return
        }
        do {
            expr = try ConditionParser.parse(text)
        } catch {
            throw StreamError(.invalidRequest, "condition: \(error.reason) at character \(error.position + 1) of \"\(text)\"")
        }
        kind = .expression
        function = nil
        fields = Self.fieldsRead(by: expr)
        fieldScan = fields.map(JSONFieldScan.init)
    }

    /// Whether `document` satisfies the condition. Throws `ConditionError` when evaluating
    /// fails (a type error, an index out of range, the step or memory budget spent, or the
    /// `cmd:` function's own error): the caller must not take that for false.
    public func evaluate(_ document: JSONObject, context: ConditionContext = ConditionContext(),
                         budget: ConditionBudget = ConditionBudget()) throws -> Bool {
        if let function {
            do { return try function.evaluate(document: document, context: context) } catch let error as ConditionError {
                throw error
            } catch {
                throw ConditionError("cmd:\(context.entry.map { "\($0.doctype) " } ?? "")function failed: \(error)")
            }
        }
        var evaluator = ConditionEvaluator(document: document, budget: budget)
        return Self.truthy(try evaluator.value(expr!))
    }

    /// `evaluate`, with an error taken as false: for callers that only test expressions.
    public func matches(_ document: JSONObject) -> Bool {
        (try? evaluate(document)) ?? false
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

    // MARK: The syntax tree

    indirect enum Expr: Sendable {
        case literal(JSON)
        case variable(String)
        case list([Expr])
        case attribute(Expr, String, at: Int)
        case index(Expr, Expr, at: Int)
        case not(Expr)
        case negate(Expr, at: Int)
        case and(Expr, Expr)
        case or(Expr, Expr)
        case compare(Expr, [Comparison], at: Int)
        case binary(BinaryOp, Expr, Expr, at: Int)
        case call(Function, [Expr], at: Int)
        case method(Expr, Method, [Expr], at: Int)
        /// `element for variable in source if filter`; only as a function's argument.
        case generator(element: Expr, variable: String, source: Expr, filter: Expr?)
    }

    struct Comparison: Sendable {
        var op: CompareOp
        var right: Expr
    }

    enum CompareOp: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case `in` = "in", notIn = "not in", `is` = "is", isNot = "is not"
    }

    enum BinaryOp: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%"
    }

    /// The built-in functions. `list` is internal: a list comprehension `[x for r in …]`.
    enum Function: String, Sendable, CaseIterable {
        case len, any, all, sum, min, max, abs, int, float, str, bool, list

        var arity: ClosedRange<Int> { self == .min || self == .max ? 1...8 : 1...1 }
        var arityText: String { arity.count == 1 ? "one argument" : "1 to \(arity.upperBound) arguments" }
    }

    /// The methods: strings' safe ones, and `get` on a document or row.
    enum Method: String, Sendable, CaseIterable {
        case startswith, endswith, lower, upper, strip, lstrip, rstrip, get, isdigit, count, find

        var arity: ClosedRange<Int> {
            switch self {
            case .startswith, .endswith, .count, .find: 1...1
            case .get: 1...2
            case .strip, .lstrip, .rstrip: 0...1
            case .lower, .upper, .isdigit: 0...0
            }
        }

        var arityText: String {
            arity.lowerBound == arity.upperBound ? "\(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
                : "\(arity.lowerBound) to \(arity.upperBound) arguments"
        }
    }
}

/// Why a condition could not be evaluated for one document. The entry is withheld, never
/// taken as false (docs/streaming.md, "A condition that fails").
public struct ConditionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How much one evaluation may spend: steps (each node visited, each row a generator walks)
/// and bytes of values it builds (strings, lists). Conditions stay well inside the defaults;
/// a hostile one (a generator nested five deep over a large table, `"x" * 10**9`) stops with a
/// `ConditionError` instead of running away.
public struct ConditionBudget: Sendable, Equatable {
    public var steps: Int
    public var bytes: Int

    public init(steps: Int = 200_000, bytes: Int = 4 << 20) {
        self.steps = steps
        self.bytes = bytes
    }
}
