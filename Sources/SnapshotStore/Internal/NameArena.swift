import Glibc

/// The document names of a `StoreIndex`, as UTF-8 bytes back to back in pages of 1 MiB, each
/// named by a packed 64-bit span. A `String` longer than 15 bytes is a heap object of its own
/// (header, capacity, padding: 126 bytes for a consumer's 60-byte `__replica` key), and a
/// `String` field made every entry 8 bytes wider; here a name costs its bytes. Fixed pages
/// also mean growing never copies what is there (a doubling `[UInt8]` holds both copies while
/// it moves).
///
/// Span: bit 63 set when the name has a byte ≥ 0x80 (then its order is `String` order, which
/// for non-ASCII text is not byte order), page (27 bits) << 36 | offset (20 bits) << 16 |
/// length (16 bits). Names are at most 65,535 bytes (the index snapshot stores a `u16` length).
/// Space of removed names is counted and reclaimed by `compacted` (the index decides when).
struct NameArena {
    static let pageSize = 1 << 20
    static let maximumLength = Int(UInt16.max)
    private static let nonASCIIBit: UInt64 = 1 << 63

    private var pages: [[UInt8]] = []
    /// Bytes of names added and not removed since.
    private(set) var liveBytes = 0
    private(set) var deadBytes = 0

    /// The span of the empty name (nothing stored).
    static let empty: UInt64 = 0

    mutating func add(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        precondition(bytes.count <= Self.maximumLength, "a document name longer than \(Self.maximumLength) bytes")
        guard bytes.count > 0 else { return Self.empty }
        if pages.isEmpty || pages[pages.count - 1].count + bytes.count > Self.pageSize {
            var page: [UInt8] = []
            page.reserveCapacity(Self.pageSize)
            pages.append(page)
        }
        let page = pages.count - 1
        let offset = pages[page].count
        pages[page].append(contentsOf: bytes)
        liveBytes += bytes.count
        let nonASCII = bytes.contains { $0 >= 0x80 }
        return (nonASCII ? Self.nonASCIIBit : 0) | UInt64(page) << 36 | UInt64(offset) << 16 | UInt64(bytes.count)
    }

    /// Counts the name's bytes as dead (the caller forgets the span).
    mutating func remove(_ span: UInt64) {
        let length = Self.length(span)
        liveBytes -= length
        deadBytes += length
    }

    @inline(__always) static func length(_ span: UInt64) -> Int { Int(span & 0xFFFF) }
    @inline(__always) static func isASCII(_ span: UInt64) -> Bool { span & nonASCIIBit == 0 }

    @inline(__always)
    func withBytes<R>(_ span: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let length = Self.length(span)
        guard length > 0 else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let page = Int((span >> 36) & 0x7FF_FFFF), offset = Int((span >> 16) & 0xF_FFFF)
        return pages[page].withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }

    func string(_ span: UInt64) -> String {
        withBytes(span) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the name at `span` is `name`, byte for byte.
    @inline(__always)
    func equals(_ span: UInt64, _ name: String) -> Bool {
        withBytes(span) { sameBytes(name, $0) }
    }

    /// `String` order of two names: bytes compared directly when both are ASCII (the same
    /// order), through `String` otherwise.
    func less(_ a: UInt64, _ b: UInt64) -> Bool {
        guard Self.isASCII(a) && Self.isASCII(b) else { return string(a) < string(b) }
        return withBytes(a) { x in withBytes(b) { y in Self.bytesLess(x, y) } }
    }

    /// `String` order of the name at `span` and `name`.
    func less(_ span: UInt64, than name: String) -> Bool {
        var name = name
        guard Self.isASCII(span), name.utf8.allSatisfy({ $0 < 0x80 }) else { return string(span) < name }
        return withBytes(span) { x in name.withUTF8 { Self.bytesLess(x, UnsafeRawBufferPointer($0)) } }
    }

    /// `name` < the name at `span`, in `String` order.
    func less(_ name: String, than span: UInt64) -> Bool {
        var name = name
        guard Self.isASCII(span), name.utf8.allSatisfy({ $0 < 0x80 }) else { return name < string(span) }
        return withBytes(span) { y in name.withUTF8 { Self.bytesLess(UnsafeRawBufferPointer($0), y) } }
    }

    private static func bytesLess(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let common = min(x.count, y.count)
        if common > 0 {
            let order = memcmp(x.baseAddress!, y.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return x.count < y.count
    }

    /// A fresh arena holding only the names at `spans` (the live ones), and their new spans in
    /// the same order.
    func compacted(_ spans: [UInt64]) -> (NameArena, [UInt64]) {
        var fresh = NameArena()
        var moved: [UInt64] = []
        moved.reserveCapacity(spans.count)
        for span in spans {
            moved.append(withBytes(span) { fresh.add($0) })
        }
        return (fresh, moved)
    }

    /// Whether enough is dead that `compacted` pays: more than 16 MiB, and more than is live.
    var wantsCompaction: Bool { deadBytes > 16 << 20 && deadBytes > liveBytes }
}
