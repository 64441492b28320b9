/// Which members of a JSON object to keep when parsing it (`JSON.parse(_:keeping:)`): named
/// members, and for some of them a selection that applies inside their value (each object of
/// an array, or an object). Everything else is checked as JSON but not built.
///
/// Why: a rebuild reads a million created documents from the log only to find the few fields
/// their index terms come from (links, unique fields); building every member's `String` and
/// the objects around them was most of its folding thread's work.
public struct JSONSelection: Sendable {
    let names: [String]
    let utf8: [[UInt8]]
    let nested: [JSONSelection?]
    /// All names are ASCII, so a member name matches only when its bytes are the same (a
    /// non-ASCII name can equal another as a `String` without the same bytes).
    let asciiNames: Bool

    /// Keeps the members named `names` whole, and those named in `nested` as their selection
    /// says (a name in both is taken from `nested`).
    public init(keeping names: some Sequence<String>, nested: [String: JSONSelection] = [:]) {
        var all: [String] = []
        var inner: [JSONSelection?] = []
        for name in names where nested[name] == nil && !all.contains(name) {
            all.append(name)
            inner.append(nil)
        }
        for (name, selection) in nested.sorted(by: { $0.key < $1.key }) {
            all.append(name)
            inner.append(selection)
        }
        self.names = all
        self.utf8 = all.map { Array($0.utf8) }
        self.nested = inner
        self.asciiNames = all.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
    }

    /// The member index of `name` (given as a `String`), if kept.
    func index(of name: String) -> Int? {
        names.firstIndex(of: name)
    }
}

extension JSON {
    /// Parses UTF-8 `bytes` like `parse(_:limits:)`, but keeps only the members `selection`
    /// names of the top-level object (and inside them what their selections name). The input
    /// is checked as strictly as by a full parse; what it returns equals the full parse with
    /// the other members removed. A top-level value that is not an object is returned whole.
    public static func parse(_ buffer: UnsafeRawBufferPointer, keeping selection: JSONSelection, limits: JSONLimits = .default) throws -> JSON {
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
        return try parser.parseDocument(keeping: selection)
    }

    /// `parse(_:keeping:limits:)` of the bytes of an array.
    public init(parsing bytes: [UInt8], keeping selection: JSONSelection, limits: JSONLimits = .default) throws {
        self = try bytes.withUnsafeBytes { try JSON.parse($0, keeping: selection, limits: limits) }
    }
}
