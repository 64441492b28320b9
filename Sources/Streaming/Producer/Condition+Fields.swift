extension Condition {
    /// The top-level fields of the document an expression reads, when it reads the document
    /// only as `doc.FIELD`: the producer then evaluates it on those fields alone, scanned out
    /// of the record's payload (`JSONFieldScan`) instead of a parse of the whole document.
    /// nil when it needs the whole document: a `cmd:` function, `doc` on its own (`len(doc)`,
    /// `doc.get(…)`, `doc["x"]`, iterating it).
    ///
    /// A missing field reads as `None` either way, so evaluating on the fields alone gives the
    /// same result as on the whole document.
    static func fieldsRead(by expr: Expr?) -> [String]? {
        guard let expr else { return nil }
        var fields: [String] = []
        guard collectFields(expr, bound: [], into: &fields) else { return nil }
        return fields
    }

    /// Adds the fields `expr` reads to `fields`; false when it uses the document whole. A
    /// name not bound by an enclosing generator is the document, as `ConditionEvaluator`
    /// reads it (a generator's source sees the enclosing scope only).
    private static func collectFields(_ expr: Expr, bound: [String], into fields: inout [String]) -> Bool {
        func all(_ exprs: [Expr], _ bound: [String] = bound) -> Bool {
            exprs.allSatisfy { collectFields($0, bound: bound, into: &fields) }
        }
        switch expr {
        case .literal:
            return true
        case .variable(let name):
            return bound.contains(name)
        case .attribute(.variable(let name), let field, _) where !bound.contains(name):
            if !fields.contains(field) { fields.append(field) }
            return true
        case .attribute(let base, _, _), .not(let base), .negate(let base, _):
            return all([base])
        case .list(let items), .call(_, let items, _):
            return all(items)
        case .index(let a, let b, _), .and(let a, let b), .or(let a, let b), .binary(_, let a, let b, _):
            return all([a, b])
        case .compare(let first, let rest, _):
            return all([first] + rest.map(\.right))
        case .method(let base, _, let args, _):
            return all([base] + args)
        case .generator(let element, let variable, let source, let filter):
            return all([source]) && all([element] + (filter.map { [$0] } ?? []), bound + [variable])
        }
    }
}
