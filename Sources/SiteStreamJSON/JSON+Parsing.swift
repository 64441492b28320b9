/// Parsing JSON text (RFC 8259) into `JSON` values.
///
/// What the parser promises:
/// - Any top-level value is accepted, with whitespace around it; anything after it is an error.
/// - Numbers without a fraction or exponent that fit in `Int64` become `.int`; every other
///   number becomes a correctly rounded `.double`. A number too large for a `Double` (`1e400`)
///   is an error rather than an infinity, because infinities cannot be written back as JSON.
///   `-0` is an integer and reads as `.int(0)`.
/// - Strings must be valid UTF-8 with no raw control characters (< 0x20); all escapes are
///   understood, including `\uXXXX` surrogate pairs; a lone surrogate is an error.
/// - Duplicate object keys: the last value wins and keeps the first key's position, the same
///   rule as `JSONObject`'s subscript. Keys are the same when they are equal `String`s, so
///   `"\u00e9"` and a precomposed or decomposed "é" are one key, as they are for the subscript.
/// - Every failure is a `JSONParseError` carrying byte offset, line and column; no input
///   crashes the parser, and `JSONLimits` bounds depth, size and lengths.
extension JSON {
    /// Parses `text` as one JSON value.
    ///
    /// ```swift
    /// let doc = try JSON(parsing: #"{"name": "SINV-0001", "grand_total": 1234.50}"#)
    /// doc["grand_total"]  // .double(1234.5)
    /// ```
    public init(parsing text: String, limits: JSONLimits = .default) throws {
        var text = text
        self = try text.withUTF8 { try JSON.parse(UnsafeRawBufferPointer($0), limits: limits) }
    }

    /// Parses UTF-8 `bytes` as one JSON value.
    public init(parsing bytes: [UInt8], limits: JSONLimits = .default) throws {
        self = try bytes.withUnsafeBytes { try JSON.parse($0, limits: limits) }
    }

    /// Parses the UTF-8 bytes in `buffer` as one JSON value. The buffer is only read during the
    /// call; the result owns copies of everything it holds.
    ///
    /// Safe to call from many threads at once. Each call borrows the parser's cache of recent
    /// keys and row shapes (or makes its own if another call holds it), which is what makes
    /// parsing a stream of similar documents fast.
    public static func parse(_ buffer: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws -> JSON {
        guard buffer.count <= limits.maxBytes else {
            throw JSONParseError(
                message: "input is \(buffer.count) bytes, over the maxBytes limit of \(limits.maxBytes)",
                offset: 0, line: 1, column: 1)
        }
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(message: "unexpected end of input: expected a value", offset: 0, line: 1, column: 1)
        }
        let cache = JSONParseCache.take()
        defer { JSONParseCache.giveBack(cache) }
        var parser = JSONParser(
            start: base.assumingMemoryBound(to: UInt8.self), count: buffer.count, limits: limits, cache: cache)
        return try parser.parseDocument()
    }
}
