/// Bounds the parser enforces, so that hostile or broken input costs bounded memory and stack.
///
/// Exceeding any limit is a `JSONParseError` whose message names the limit, e.g.
/// "nesting deeper than the maxDepth limit of 128".
///
/// ```swift
/// var limits = JSONLimits.default
/// limits.maxBytes = 1 << 20  // a request body
/// let body = try JSON(parsing: bytes, limits: limits)
/// ```
public struct JSONLimits: Sendable, Equatable {
    /// The deepest nesting of arrays and objects. The parser recurses once per level, so this
    /// is clamped to `JSONLimits.hardMaxDepth` whatever is asked for.
    public var maxDepth: Int
    /// The largest input, in bytes.
    public var maxBytes: Int
    /// The longest string (key or value) after unescaping, in UTF-8 bytes.
    public var maxStringBytes: Int
    /// The longest number literal, in bytes (sign, digits, point and exponent).
    public var maxNumberBytes: Int
    /// The most elements in one array or members in one object.
    public var maxContainerCount: Int

    /// The ceiling on `maxDepth`, whatever a caller sets: the parser uses about 600 bytes of
    /// stack per level in a release build, so 512 levels need about 300 KiB of stack.
    public static let hardMaxDepth = 512

    public init(
        maxDepth: Int = 128,
        maxBytes: Int = 64 << 20,
        maxStringBytes: Int = 16 << 20,
        maxNumberBytes: Int = 1_024,
        maxContainerCount: Int = 1 << 24
    ) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.maxStringBytes = maxStringBytes
        self.maxNumberBytes = maxNumberBytes
        self.maxContainerCount = maxContainerCount
    }

    /// Depth 128, 64 MiB input, 16 MiB strings, 1 KiB numbers, 16 Mi elements per container.
    public static let `default` = JSONLimits()
}
