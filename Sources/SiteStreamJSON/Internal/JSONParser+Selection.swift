/// Parsing with a `JSONSelection`: the members it names are parsed as usual, every other
/// value is only checked (`skipValue`), which builds no `String`, array or object.
extension JSONParser {
    mutating func parseDocument(keeping selection: JSONSelection) throws -> JSON {
        skipWhitespace()
        let value = try parseValue(selecting: selection)
        skipWhitespace()
        if position < count {
            throw error("unexpected \(describe(start[position])) after the JSON value", at: position)
        }
        return value
    }

    /// An object is parsed keeping what `selection` names, so are the objects of an array;
    /// any other value is parsed whole.
    mutating func parseValue(selecting selection: JSONSelection) throws -> JSON {
        guard position < count else { throw endOfInput("expected a value") }
        switch start[position] {
        case UInt8(ascii: "{"): return try parseObject(selecting: selection)
        case UInt8(ascii: "["): return try parseArray(selecting: selection)
        default: return try parseValue()
        }
    }

    mutating func parseArray(selecting selection: JSONSelection) throws -> JSON {
        var elements: [JSON] = []
        try forEachElement { parser in elements.append(try parser.parseValue(selecting: selection)) }
        return .array(elements)
    }

    mutating func parseObject(selecting selection: JSONSelection) throws -> JSON {
        var keys: [String] = []
        var values: [JSON] = []
        try forEachMember(reading: { try $0.selectedMember(selection) }) { parser, kept in
            guard let kept else { return try parser.skipValue() }
            let value = try selection.nested[kept].map { try parser.parseValue(selecting: $0) } ?? parser.parseValue()
            let name = selection.names[kept]
            if let existing = keys.firstIndex(of: name) {
                values[existing] = value  // last one wins, first position kept (as `parseObject`)
            } else {
                keys.append(name)
                values.append(value)
            }
        }
        return .object(JSONObject(uncheckedKeys: keys, values: values))
    }

    /// Reads the member name at `position` (its opening quote): the index of the selection's
    /// member it names, or nil. A plain ASCII name is compared by its bytes, without making a
    /// `String`; any other goes through `parseKey` and `String` equality, as in `parseObject`.
    mutating func selectedMember(_ selection: JSONSelection) throws -> Int? {
        let open = position
        let end = try findQuoteOrEscape(from: open + 1, open: open)
        let length = end - open - 1
        if selection.asciiNames && start[end] == UInt8(ascii: "\"") && length <= limits.maxStringBytes {
            let name = start + open + 1
            var ascii = true
            for i in 0..<length where name[i] >= 0x80 {
                ascii = false
                break
            }
            if ascii {
                position = end + 1
                candidates: for (k, wanted) in selection.utf8.enumerated() where wanted.count == length {
                    for i in 0..<length where wanted[i] != name[i] { continue candidates }
                    return k
                }
                return nil
            }
        }
        let (key, _) = try parseKey(guess: -1)
        return selection.index(of: key)
    }

    // MARK: - Checking without building

    /// Checks the value at `position` as `parseValue` would and moves past it.
    mutating func skipValue() throws {
        guard position < count else { throw endOfInput("expected a value") }
        switch start[position] {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"): try forEachMember(reading: { try $0.skipString() }) { parser, _ in try parser.skipValue() }
        case UInt8(ascii: "["): try forEachElement { try $0.skipValue() }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case let b: throw error("expected a value, found \(describe(b))", at: position)
        }
    }

    /// Checks the string at `position` (UTF-8, escapes, length) as `parseString` would.
    mutating func skipString() throws {
        let open = position
        var i = try findQuoteOrEscape(from: open + 1, open: open)
        var length = i - open - 1
        while start[i] == UInt8(ascii: "\\") {
            scratch.removeAll(keepingCapacity: true)
            let after = try decodeEscape(at: i)
            length += scratch.count
            i = try findQuoteOrEscape(from: after, open: open)
            length += i - after
        }
        if length > limits.maxStringBytes { throw stringTooLong(at: open) }
        position = i + 1
    }

    /// The frame of an array at `position`: `element` reads each element, this the brackets,
    /// commas, depth and count limits, with `parseArray`'s messages.
    mutating func forEachElement(_ element: (inout JSONParser) throws -> Void) throws {
        try enterContainer()
        position += 1  // '['
        skipWhitespace()
        var elements = 0
        if position < count && start[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return
        }
        while true {
            if position < count && start[position] == UInt8(ascii: "]") && elements > 0 {
                throw error("trailing comma before ']'", at: position)
            }
            if elements == limits.maxContainerCount {
                throw error("array has more than the maxContainerCount limit of \(limits.maxContainerCount) elements", at: position)
            }
            try element(&self)
            elements += 1
            skipWhitespace()
            guard position < count else { throw endOfInput("expected ',' or ']' after array element") }
            let b = start[position]
            position += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
            } else if b == UInt8(ascii: "]") {
                break
            } else {
                position -= 1
                throw error("expected ',' or ']' after array element, found \(describe(b))", at: position)
            }
        }
        depth -= 1
    }

    /// The frame of an object at `position`: `name` reads each member's name (at its opening
    /// quote), `member` its value (given what `name` returned); this checks the rest, with
    /// `parseObject`'s messages. Its member count includes repeated names.
    mutating func forEachMember<Name>(reading name: (inout JSONParser) throws -> Name,
                                      _ member: (inout JSONParser, Name) throws -> Void) throws {
        try enterContainer()
        position += 1  // '{'
        skipWhitespace()
        if position < count && start[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return
        }
        var members = 0
        while true {
            guard position < count else { throw endOfInput("expected '\"' to begin an object key") }
            let b = start[position]
            guard b == UInt8(ascii: "\"") else {
                if b == UInt8(ascii: "}") && members > 0 {
                    throw error("trailing comma before '}'", at: position)
                }
                throw error("expected '\"' to begin an object key, found \(describe(b))", at: position)
            }
            if members == limits.maxContainerCount {
                throw error("object has more than the maxContainerCount limit of \(limits.maxContainerCount) members", at: position)
            }
            let read = try name(&self)
            members += 1
            skipWhitespace()
            guard position < count else { throw endOfInput("expected ':' after object key") }
            guard start[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key, found \(describe(start[position]))", at: position)
            }
            position += 1
            skipWhitespace()
            try member(&self, read)
            skipWhitespace()
            guard position < count else { throw endOfInput("expected ',' or '}' after object member") }
            let next = start[position]
            position += 1
            if next == UInt8(ascii: ",") {
                skipWhitespace()
            } else if next == UInt8(ascii: "}") {
                break
            } else {
                position -= 1
                throw error("expected ',' or '}' after object member, found \(describe(next))", at: position)
            }
        }
        depth -= 1
    }
}
