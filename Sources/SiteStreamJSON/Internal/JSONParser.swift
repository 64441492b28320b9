/// The byte-cursor parser behind `JSON.parse`: recursive descent over a UTF-8 buffer.
///
/// It reads through an unsafe pointer for speed, so every read is guarded by an explicit
/// `position < count` check; the buffer is never read outside `0..<count`.
struct JSONParser {
    let start: UnsafePointer<UInt8>
    let count: Int
    let limits: JSONLimits
    let maxDepth: Int
    var position = 0
    var depth = 0
    /// Reused for strings that contain escapes, so unescaping allocates only the result.
    var scratch: [UInt8] = []
    /// Interned keys and values, object serials for duplicate detection, capacity hints.
    let cache: JSONParseCache
    let keyTable: JSONStringTable

    init(start: UnsafePointer<UInt8>, count: Int, limits: JSONLimits, cache: JSONParseCache) {
        self.start = start
        self.count = count
        self.limits = limits
        self.maxDepth = min(limits.maxDepth, JSONLimits.hardMaxDepth)
        self.cache = cache
        self.keyTable = cache.keys
    }

    mutating func parseDocument() throws -> JSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < count {
            throw error("unexpected \(describe(start[position])) after the JSON value", at: position)
        }
        return value
    }

    // MARK: - Errors

    mutating func error(_ message: String, at offset: Int) -> JSONParseError {
        JSONParseError(message, at: offset, in: UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The error for input that stops where `expectation` was due.
    mutating func endOfInput(_ expectation: String) -> JSONParseError {
        error("unexpected end of input: \(expectation)", at: count)
    }

    /// A byte as a person would want it named in a message.
    mutating func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        switch byte {
        case UInt8(ascii: " "): return "space"
        case UInt8(ascii: "\n"): return "newline"
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
        }
    }

    // MARK: - Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while position < count {
            let b = start[position]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            position += 1
        }
    }

    mutating func parseValue() throws -> JSON {
        guard position < count else { throw endOfInput("expected a value") }
        switch start[position] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case let b:
            throw error("expected a value, found \(describe(b))", at: position)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let n = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        for k in 0..<n {
            guard position + k < count else { throw endOfInput("expected '\(literal)'") }
            guard start[position + k] == text[k] else {
                throw error("invalid literal: expected '\(literal)'", at: position + k)
            }
        }
        position += n
    }

    mutating func enterContainer() throws {
        depth += 1
        if depth > maxDepth {
            throw error("nesting deeper than the maxDepth limit of \(maxDepth)", at: position)
        }
    }

    mutating func parseArray() throws -> JSON {
        try enterContainer()
        position += 1  // '['
        skipWhitespace()
        var elements: [JSON] = []
        if position < count && start[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        let hintIndex = cache.hintIndex(depth: depth, object: false)
        elements.reserveCapacity(cache.counters[hintIndex])
        while true {
            if position < count && start[position] == UInt8(ascii: "]") && !elements.isEmpty {
                throw error("trailing comma before ']'", at: position)
            }
            if elements.count == limits.maxContainerCount {
                throw error("array has more than the maxContainerCount limit of \(limits.maxContainerCount) elements", at: position)
            }
            elements.append(try parseValue())
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
        cache.counters[hintIndex] = min(elements.count, 256)
        depth -= 1
        return .array(elements)
    }

    /// Objects. Duplicate keys: the last value wins in the first key's place. Interned keys
    /// find duplicates through the key table's stamps: a slot stamped with this object's serial
    /// was seen here; a higher stamp means a nested object used the key since, so this object's
    /// keys are searched; a lower one means the key is new here. Once an object has a key
    /// that is not interned (it had escapes), it compares strings for the rest of its keys.
    mutating func parseObject() throws -> JSON {
        try enterContainer()
        position += 1  // '{'
        skipWhitespace()
        if position < count && start[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(JSONObject())
        }
        let hintIndex = cache.hintIndex(depth: depth, object: true)
        var keys: [String] = []
        var values: [JSON] = []
        let hint = cache.counters[hintIndex]
        keys.reserveCapacity(hint)
        values.reserveCapacity(hint)
        let serial = cache.nextObjectSerial()
        var compareStrings = false
        let guesses = cache.predictedKeys + min(depth, JSONParseCache.hintDepths - 1) * JSONParseCache.predictedMembers
        var member = 0
        /// Built once an object that compares strings grows large, so that a hostile object
        /// with a million escaped or uninterned keys costs O(n), not O(n²).
        var keyIndex: [String: Int]? = nil
        while true {
            guard position < count else { throw endOfInput("expected '\"' to begin an object key") }
            let b = start[position]
            guard b == UInt8(ascii: "\"") else {
                if b == UInt8(ascii: "}") && !keys.isEmpty {
                    throw error("trailing comma before '}'", at: position)
                }
                throw error("expected '\"' to begin an object key, found \(describe(b))", at: position)
            }
            let guessed = member < JSONParseCache.predictedMembers
            let (key, slot) = try parseKey(guess: guessed ? guesses[member] : -1)
            if guessed { guesses[member] = slot }
            member += 1
            skipWhitespace()
            guard position < count else { throw endOfInput("expected ':' after object key") }
            guard start[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key, found \(describe(start[position]))", at: position)
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()

            var existing: Int? = nil
            if slot >= 0 && !compareStrings {
                let stamp = keyTable.slots[slot].stamp
                if stamp >= serial {  // rare: seen here, or in an object nested here since
                    existing = keys.firstIndex(of: key)
                }
                keyTable.slots[slot].stamp = serial
            } else {
                compareStrings = true
                if keyIndex == nil && keys.count >= 16 {
                    keyIndex = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                }
                if keyIndex != nil {
                    existing = keyIndex![key]
                    if existing == nil { keyIndex![key] = keys.count }
                } else {
                    existing = keys.firstIndex(of: key)
                }
            }
            if let existing {
                values[existing] = value  // last one wins, first position kept
            } else {
                if keys.count == limits.maxContainerCount {
                    throw error("object has more than the maxContainerCount limit of \(limits.maxContainerCount) members", at: position)
                }
                keys.append(key)
                values.append(value)
            }
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
        cache.counters[hintIndex] = min(keys.count, 256)
        depth -= 1
        return .object(JSONObject(uncheckedKeys: keys, values: values))
    }
}
