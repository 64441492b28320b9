/// Writing `JSON` values as UTF-8 JSON text.
///
/// What the serializer promises:
/// - Compact output has no whitespace at all. Pretty output puts each member and element on
///   its own line, indented by two spaces per level, with `": "` after keys; empty containers
///   are written `{}` and `[]`.
/// - Object members are written in their stored order.
/// - Strings escape `"`, `\` and control characters below 0x20 (`\n`, `\t`, `\r`, `\b`, `\f`,
///   otherwise `\u00XX`); every other character, `/` and non-ASCII included, is written as its
///   UTF-8 bytes.
/// - Doubles are written as the shortest text that reads back as the same double, and a
///   double always looks like one: integral values keep a `.0` (`100.0`) or an exponent
///   (`1e+16`), so `.double` and `.int` survive a round trip as themselves (Frappe writes
///   floats as `100.0` too). NaN and the infinities have no JSON form and are written `null`.
extension JSON {
    /// The value as compact (or pretty) UTF-8 JSON text.
    public func serialized(pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        defer { writer.finish() }
        writer.write(self, level: 0)
        let bytes = writer.bytes
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { target, initialized in
            if let p = bytes.baseAddress { target.baseAddress!.initialize(from: p, count: bytes.count) }
            initialized = bytes.count
        }
    }

    /// The value as compact (or pretty) JSON text.
    public func serializedString(pretty: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty)
        defer { writer.finish() }
        writer.write(self, level: 0)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Appends the value's JSON text to `buffer`, leaving what is already there in place.
    public func serialize(into buffer: inout [UInt8], pretty: Bool = false) {
        var writer = JSONWriter(pretty: pretty)
        defer { writer.finish() }
        writer.write(self, level: 0)
        buffer.append(contentsOf: writer.bytes)
    }

    /// Appends `text` as a JSON string, quoted and escaped as `serialized` writes strings, for
    /// callers that write small fixed-shape objects straight into bytes.
    public static func appendString(_ text: String, to buffer: inout [UInt8]) {
        // Room for every byte escaped as \u00XX: the writer never grows.
        var writer = JSONWriter(pretty: false, capacity: 6 * text.utf8.count + 2)
        defer { writer.finish() }
        writer.writeString(text)
        buffer.append(contentsOf: writer.bytes)
    }
}
