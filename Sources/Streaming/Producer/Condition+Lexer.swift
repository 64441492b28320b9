import SiteStreamJSON

/// One token of a condition expression, with the character position (0-based) it starts at.
struct ConditionToken: Equatable {
    enum Kind: Equatable {
        case name(String)
        case keyword(String)
        case number(JSON)
        case string(String)
        /// Punctuation and operators: `( ) [ ] , . == != < <= > >= + - * / // %`.
        case symbol(String)
        case end
    }

    var kind: Kind
    var position: Int
}

/// Splits a condition into tokens, Python's way for the subset we accept: names, the keywords
/// `and or not in is for if None True False`, integers and decimals, strings in single or double
/// quotes with backslash escapes, and the operators. Throws `ConditionSyntaxError` at the first
/// character it cannot use.
struct ConditionLexer {
    static let keywords: Set<String> = ["and", "or", "not", "in", "is", "for", "if", "None", "True", "False"]
    static let twoCharacterSymbols: Set<String> = ["==", "!=", "<=", ">=", "//"]
    static let oneCharacterSymbols: Set<Character> = ["(", ")", "[", "]", ",", ".", "<", ">", "+", "-", "*", "/", "%"]

    static func tokens(_ text: String) throws(ConditionSyntaxError) -> [ConditionToken] {
        let chars = Array(text)
        var out: [ConditionToken] = []
        var at = 0
        while at < chars.count {
            let c = chars[at]
            if c.isWhitespace {
                at += 1
                continue
            }
            let start = at
            if c.isLetter || c == "_" {
                while at < chars.count, chars[at].isLetter || chars[at].isNumber || chars[at] == "_" { at += 1 }
                let word = String(chars[start..<at])
                out.append(ConditionToken(kind: keywords.contains(word) ? .keyword(word) : .name(word), position: start))
            } else if c.isASCII && c.isNumber || (c == "." && at + 1 < chars.count && chars[at + 1].isASCII && chars[at + 1].isNumber) {
                var sawPoint = false, sawExponent = false
                while at < chars.count {
                    let d = chars[at]
                    if d.isASCII && d.isNumber || d == "_" {
                        at += 1
                    } else if d == ".", !sawPoint, !sawExponent {
                        sawPoint = true
                        at += 1
                    } else if d == "e" || d == "E", !sawExponent {
                        sawExponent = true
                        at += 1
                        if at < chars.count, chars[at] == "+" || chars[at] == "-" { at += 1 }
                    } else {
                        break
                    }
                }
                let literal = String(chars[start..<at]).replacingOccurrences(of: "_", with: "")
                if !sawPoint, !sawExponent, let i = Int64(literal) {
                    out.append(ConditionToken(kind: .number(.int(i)), position: start))
                } else if let d = Double(literal), d.isFinite {
                    out.append(ConditionToken(kind: .number(.double(d)), position: start))
                } else {
                    throw ConditionSyntaxError(position: start, reason: "'\(literal)' is not a number")
                }
                if at < chars.count, chars[at].isLetter {
                    throw ConditionSyntaxError(position: at, reason: "a number runs into '\(chars[at])'")
                }
            } else if c == "\"" || c == "'" {
                at += 1
                var value = ""
                var closed = false
                while at < chars.count {
                    let d = chars[at]
                    if d == c {
                        closed = true
                        at += 1
                        break
                    }
                    if d == "\\", at + 1 < chars.count {
                        at += 1
                        switch chars[at] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        case "0": value.append("\0")
                        default: value.append(chars[at])
                        }
                    } else {
                        value.append(d)
                    }
                    at += 1
                }
                guard closed else { throw ConditionSyntaxError(position: start, reason: "the string is never closed") }
                out.append(ConditionToken(kind: .string(value), position: start))
            } else if at + 1 < chars.count, twoCharacterSymbols.contains(String(chars[at...at + 1])) {
                out.append(ConditionToken(kind: .symbol(String(chars[at...at + 1])), position: start))
                at += 2
            } else if oneCharacterSymbols.contains(c) {
                out.append(ConditionToken(kind: .symbol(String(c)), position: start))
                at += 1
            } else if c == "=" {
                throw ConditionSyntaxError(position: start, reason: "'=' assigns in Python; compare with '=='")
            } else {
                throw ConditionSyntaxError(position: start, reason: "'\(c)' is not part of the condition language")
            }
        }
        out.append(ConditionToken(kind: .end, position: chars.count))
        return out
    }
}

/// A condition the parser refused: where (0-based character position) and why.
struct ConditionSyntaxError: Error, Equatable {
    var position: Int
    var reason: String
}
