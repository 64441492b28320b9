/// Why a text is not JSON SiteStream accepts, and where.
///
/// `offset` is the 0-based byte offset of the offending byte (the input's length when the text
/// ended too early); `line` and `column` are 1-based, and the column counts Unicode scalars
/// from the start of the line, so it matches what an editor shows for UTF-8 text.
///
/// ```swift
/// do { _ = try JSON(parsing: #"{"a" 1}"#) } catch let e as JSONParseError {
///     print(e)  // invalid JSON at line 1, column 6 (byte 5): expected ':' after object key, found '1'
/// }
/// ```
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was wrong, for a person: "expected ',' or '}' after object member".
    public var message: String
    /// 0-based byte offset of the offending byte in the input.
    public var offset: Int
    /// 1-based line of `offset` (lines end at "\n").
    public var line: Int
    /// 1-based column of `offset`, in Unicode scalars from the start of its line.
    public var column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): \(message)"
    }
}

extension JSONParseError {
    /// An error at `offset` of `bytes`, with line and column counted from the bytes before it.
    /// Only called on failure, so the scan over the prefix costs nothing on the happy path.
    init(_ message: String, at offset: Int, in bytes: UnsafeRawBufferPointer) {
        var line = 1
        var column = 1
        let end = min(offset, bytes.count)
        var i = 0
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {  // not a UTF-8 continuation byte: a new scalar starts
                column += 1
            }
            i += 1
        }
        self.init(message: message, offset: offset, line: line, column: column)
    }
}
