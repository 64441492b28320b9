import SiteStreamJSON

/// Recursive descent over the tokens, with Python's precedence (lowest first): `or`, `and`,
/// `not`, comparisons (chained: `0 < doc.qty <= 10`), `+ -`, `* / // %`, unary `-`, then
/// attribute access, indexing and calls. Names are checked here, not at evaluation: only `doc`
/// and the variables of enclosing generators may be named, only the built-in functions and
/// methods may be called. Nesting is limited so that hostile text cannot exhaust the stack.
struct ConditionParser {
    static let maxDepth = 48
    static let maxLength = 8_192

    let tokens: [ConditionToken]
    var at = 0
    var depth = 0
    /// Variables bound by enclosing generators (`row` in `any(row.x for row in doc.items)`).
    var scope: [String] = ["doc"]

    init(tokens: [ConditionToken]) { self.tokens = tokens }

    static func parse(_ text: String) throws(ConditionSyntaxError) -> Condition.Expr {
        guard text.count <= maxLength else {
            throw ConditionSyntaxError(position: maxLength, reason: "the condition is longer than \(maxLength) characters")
        }
        var parser = ConditionParser(tokens: try ConditionLexer.tokens(text))
        guard parser.peek != .end else { throw ConditionSyntaxError(position: 0, reason: "the condition is empty") }
        let expr = try parser.expression()
        guard parser.peek == .end else { throw parser.fail("unexpected \(parser.describe(parser.peek))") }
        return expr
    }

    // MARK: Tokens

    var peek: ConditionToken.Kind { tokens[at].kind }
    var position: Int { tokens[at].position }

    func fail(_ reason: String) -> ConditionSyntaxError { ConditionSyntaxError(position: position, reason: reason) }

    func describe(_ kind: ConditionToken.Kind) -> String {
        switch kind {
        case .name(let n): "name '\(n)'"
        case .keyword(let k): "'\(k)'"
        case .number: "a number"
        case .string: "a string"
        case .symbol(let s): "'\(s)'"
        case .end: "end of the condition"
        }
    }

    mutating func take(_ symbol: String) -> Bool {
        guard peek == .symbol(symbol) else { return false }
        at += 1
        return true
    }

    mutating func takeKeyword(_ word: String) -> Bool {
        guard peek == .keyword(word) else { return false }
        at += 1
        return true
    }

    mutating func expect(_ symbol: String, _ context: String) throws(ConditionSyntaxError) {
        guard take(symbol) else { throw fail("expected '\(symbol)' \(context), found \(describe(peek))") }
    }

    mutating func nested<T>(_ body: (inout ConditionParser) throws(ConditionSyntaxError) -> T) throws(ConditionSyntaxError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("the condition nests more than \(Self.maxDepth) levels deep") }
        return try body(&self)
    }

    // MARK: Grammar

    mutating func expression() throws(ConditionSyntaxError) -> Condition.Expr {
        try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.orTest() }
    }

    mutating func orTest() throws(ConditionSyntaxError) -> Condition.Expr {
        var left = try andTest()
        while takeKeyword("or") { left = .or(left, try andTest()) }
        return left
    }

    mutating func andTest() throws(ConditionSyntaxError) -> Condition.Expr {
        var left = try notTest()
        while takeKeyword("and") { left = .and(left, try notTest()) }
        return left
    }

    mutating func notTest() throws(ConditionSyntaxError) -> Condition.Expr {
        if takeKeyword("not") {
            return .not(try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.notTest() })
        }
        return try comparison()
    }

    mutating func comparisonOperator() -> Condition.CompareOp? {
        switch peek {
        case .symbol("=="): at += 1; return .equal
        case .symbol("!="): at += 1; return .notEqual
        case .symbol("<"): at += 1; return .less
        case .symbol("<="): at += 1; return .lessOrEqual
        case .symbol(">"): at += 1; return .greater
        case .symbol(">="): at += 1; return .greaterOrEqual
        case .keyword("in"): at += 1; return .in
        case .keyword("not"):
            guard tokens[at + 1].kind == .keyword("in") else { return nil }
            at += 2
            return .notIn
        case .keyword("is"):
            at += 1
            return takeKeyword("not") ? .isNot : .is
        default: return nil
        }
    }

    mutating func comparison() throws(ConditionSyntaxError) -> Condition.Expr {
        let first = try arithmetic()
        var rest: [(Condition.CompareOp, Condition.Expr)] = []
        var where_ = position
        while true {
            let before = position
            guard let op = comparisonOperator() else { break }
            if rest.isEmpty { where_ = before }
            rest.append((op, try arithmetic()))
        }
        if peek == .keyword("not") { throw fail("expected 'in' after 'not'") }
        return rest.isEmpty ? first : .compare(first, rest.map { Condition.Comparison(op: $0.0, right: $0.1) }, at: where_)
    }

    mutating func arithmetic() throws(ConditionSyntaxError) -> Condition.Expr {
        var left = try term()
        while true {
            let where_ = position
            if take("+") { left = .binary(.add, left, try term(), at: where_) }
            else if take("-") { left = .binary(.subtract, left, try term(), at: where_) }
            else { return left }
        }
    }

    mutating func term() throws(ConditionSyntaxError) -> Condition.Expr {
        var left = try factor()
        while true {
            let where_ = position
            if take("*") { left = .binary(.multiply, left, try factor(), at: where_) }
            else if take("/") { left = .binary(.divide, left, try factor(), at: where_) }
            else if take("//") { left = .binary(.floorDivide, left, try factor(), at: where_) }
            else if take("%") { left = .binary(.modulo, left, try factor(), at: where_) }
            else { return left }
        }
    }

    mutating func factor() throws(ConditionSyntaxError) -> Condition.Expr {
        let where_ = position
        if take("-") {
            return .negate(try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.factor() }, at: where_)
        }
        if take("+") { return try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.factor() } }
        return try primary()
    }

    mutating func primary() throws(ConditionSyntaxError) -> Condition.Expr {
        var expr = try atom()
        while true {
            let where_ = position
            if take(".") {
                guard case .name(let attribute) = peek else { throw fail("expected a field or method name after '.'") }
                at += 1
                if take("(") {
                    guard let method = Condition.Method(rawValue: attribute) else {
                        throw ConditionSyntaxError(position: where_ + 1, reason: "unknown method '\(attribute)'; known: \(Condition.Method.allCases.map(\.rawValue).sorted().joined(separator: ", "))")
                    }
                    let args = try arguments(allowGenerator: false)
                    guard method.arity.contains(args.count) else {
                        throw ConditionSyntaxError(position: where_ + 1, reason: "\(attribute)() takes \(method.arityText), given \(args.count)")
                    }
                    expr = .method(expr, method, args, at: where_ + 1)
                } else {
                    expr = .attribute(expr, attribute, at: where_)
                }
            } else if take("[") {
                let index = try expression()
                try expect("]", "to close the index")
                expr = .index(expr, index, at: where_)
            } else if peek == .symbol("(") {
                throw fail("only the built-in functions can be called")
            } else {
                return expr
            }
        }
    }

    /// A call's arguments after its '(' up to and including ')'; a single generator expression
    /// may stand without its own parentheses (`any(r.x for r in doc.items)`).
    mutating func arguments(allowGenerator: Bool) throws(ConditionSyntaxError) -> [Condition.Expr] {
        var args: [Condition.Expr] = []
        if take(")") { return args }
        repeat {
            if peek == .symbol(")") { break }
            if let variable = generatorAhead() {
                guard allowGenerator, args.isEmpty else {
                    throw fail("a generator ('for') may only be the sole argument of any, all, sum, min, max or len")
                }
                args.append(try generator(variable: variable))
                break
            }
            args.append(try expression())
        } while take(",")
        try expect(")", "to close the call")
        return args
    }

    /// The variable of a generator starting here (`ELEMENT for NAME in …` at this nesting
    /// level, before the `)`, `]` or `,` that ends it), or nil when there is none.
    func generatorAhead() -> String? {
        var i = at, level = 0
        while i < tokens.count {
            switch tokens[i].kind {
            case .symbol("("), .symbol("["): level += 1
            case .symbol(")"), .symbol("]"):
                if level == 0 { return nil }
                level -= 1
            case .symbol(","): if level == 0 { return nil }
            case .keyword("for") where level == 0:
                if case .name(let variable) = tokens[i + 1].kind { return variable }
                return nil
            case .end: return nil
            default: break
            }
            i += 1
        }
        return nil
    }

    /// `ELEMENT for NAME in SOURCE [if FILTER]`: the element and filter see the variable, the
    /// source (evaluated first, in the enclosing scope) does not.
    mutating func generator(variable: String) throws(ConditionSyntaxError) -> Condition.Expr {
        scope.append(variable)
        let element = try expression()
        scope.removeLast()
        guard takeKeyword("for") else { throw fail("expected 'for' in the generator, found \(describe(peek))") }
        guard case .name(let name) = peek, name == variable else { throw fail("expected a variable name after 'for'") }
        at += 1
        guard takeKeyword("in") else { throw fail("expected 'in' after 'for \(variable)'") }
        let source = try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.orTest() }
        scope.append(variable)
        defer { scope.removeLast() }
        var filter: Condition.Expr?
        if takeKeyword("if") { filter = try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.orTest() } }
        return .generator(element: element, variable: variable, source: source, filter: filter)
    }

    mutating func atom() throws(ConditionSyntaxError) -> Condition.Expr {
        let where_ = position
        switch peek {
        case .number(let n):
            at += 1
            return .literal(n)
        case .string(var s):
            at += 1
            // Adjacent strings join, as in Python.
            while case .string(let more) = peek {
                s += more
                at += 1
            }
            return .literal(.string(s))
        case .keyword("None"): at += 1; return .literal(.null)
        case .keyword("True"): at += 1; return .literal(.bool(true))
        case .keyword("False"): at += 1; return .literal(.bool(false))
        case .name(let name):
            at += 1
            if take("(") {
                guard let function = Condition.Function(rawValue: name) else {
                    throw ConditionSyntaxError(position: where_, reason: "unknown function '\(name)'; known: \(Condition.Function.allCases.map(\.rawValue).sorted().joined(separator: ", "))")
                }
                let args = try arguments(allowGenerator: true)
                guard function.arity.contains(args.count) else {
                    throw ConditionSyntaxError(position: where_, reason: "\(name)() takes \(function.arityText), given \(args.count)")
                }
                return .call(function, args, at: where_)
            }
            guard scope.contains(name) else {
                throw ConditionSyntaxError(position: where_, reason: "unknown name '\(name)'; a condition may only use 'doc' (the document) and the variables of its generators")
            }
            return .variable(name)
        case .symbol("("):
            at += 1
            if take(")") { return .list([]) }
            if generatorAhead() != nil {
                throw ConditionSyntaxError(position: where_, reason: "a generator must be the argument of any, all, sum, min, max or len")
            }
            let first = try expression()
            if take(")") { return first }
            var items = [first]
            while take(",") {
                if peek == .symbol(")") { break }
                items.append(try expression())
            }
            try expect(")", "to close the tuple")
            return .list(items)
        case .symbol("["):
            at += 1
            var items: [Condition.Expr] = []
            if take("]") { return .list(items) }
            if let variable = generatorAhead() {
                let generator = try generator(variable: variable)
                try expect("]", "to close the list")
                return .call(.list, [generator], at: where_)
            }
            items.append(try expression())
            while take(",") {
                if peek == .symbol("]") { break }
                items.append(try expression())
            }
            try expect("]", "to close the list")
            return .list(items)
        default:
            throw fail("expected a value, 'doc.<field>', '(' or '[', found \(describe(peek))")
        }
    }
}
