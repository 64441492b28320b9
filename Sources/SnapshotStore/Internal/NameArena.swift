import Glibc

/// The document names of a `StoreIndex`, as UTF-8 bytes back to back in pages of 1 MiB, each
/// named by a packed 64-bit span. A `String` longer than 15 bytes is a heap object of its own
/// (header, capacity, padding: 126 bytes for a consumer's 60-byte `__replica` key), and a
/// `String` field made every entry 8 bytes wider; here a name costs its bytes. Fixed pages
/// also mean growing never copies what is there (a doubling `[UInt8]` holds both copies while
/// it moves).
///
/// Span (48 bits, so a `StoreIndex.Entry` fits in 16 bytes): bit 47 set when the name has a
/// byte ≥ 0x80 (then its order is `String` order, which for non-ASCII text is not byte order),
/// bit 46 set for a value of more than 65,535 bytes, which gets a page of its own (its length
/// is the page's), prefix (10 bits) << 36 | page (16 bits) << 20 | offset (20 bits). In a
/// shared page a name is its length (LEB128, one byte below 128) then its bytes: the length
/// costs a byte there instead of 16 bits of every span. Page 0 starts with one unused byte, so
/// no name's span is 0 (`empty`). `TermTable` keeps its values here too. Space of removed
/// names is counted and reclaimed by `compacted` (the owner decides when).
///
/// With `internsPrefixes`, a name with a NUL byte past its 8th (the store's internal keys:
/// `__replica` is "<producer site id>\0<doctype>\0<producer's name>") keeps everything up to
/// its last NUL once, in a table of at most 1023 prefixes, and only the rest in a page: a
/// consumer's million replica keys share a handful of prefixes of some 70 bytes. A name without
/// one that ends in digits after a `-` at its 5th byte or later (a naming series:
/// "ACC-SINV-2026-00042") keeps its part up to that `-` the same way: half a 1M-entry
/// consumer's documents are invoices and GL Entries, 13–14 bytes of series each.
struct NameArena {
    static let pageSize = 1 << 20
    private static let nonASCIIBit: UInt64 = 1 << 47
    private static let ownPageBit: UInt64 = 1 << 46
    /// Spans use the low 48 bits.
    static let spanBits = 48
    private static let maximumPages = 1 << 16
    private static let maximumPrefixes = 1 << 10

    private var pages: [[UInt8]] = []
    /// Bytes stored in pages for names added and not removed since (prefixes not counted).
    private(set) var liveBytes = 0
    private(set) var deadBytes = 0
    let internsPrefixes: Bool
    /// Interned prefixes by number; 0 is "none".
    private var prefixes: [[UInt8]] = [[]]
    private var prefixNumbers: [[UInt8]: Int] = [:]
    /// The prefix the last name added had (0: none).
    private var lastPrefix = 0

    init(internsPrefixes: Bool = false) {
        self.internsPrefixes = internsPrefixes
    }

    /// The span of the empty name (nothing stored).
    static let empty: UInt64 = 0

    mutating func add(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    mutating func add(_ whole: UnsafeRawBufferPointer) -> UInt64 {
        guard whole.count > 0 else { return Self.empty }
        let nonASCII = whole.contains { $0 >= 0x80 } ? Self.nonASCIIBit : 0
        var prefix = 0
        var bytes = whole
        if internsPrefixes, let end = Self.prefixEnd(whole) {
            let head = UnsafeRawBufferPointer(rebasing: whole[...end])
            // Names come in runs of one series: the last prefix is checked without hashing.
            if lastPrefix != 0, prefixes[lastPrefix].withUnsafeBytes({ sameBytes($0, head) }) {
                prefix = lastPrefix
            } else if let known = prefixNumbers[[UInt8](head)] {
                prefix = known
            } else if prefixes.count < Self.maximumPrefixes {
                prefix = prefixes.count
                prefixes.append([UInt8](head))
                prefixNumbers[[UInt8](head)] = prefix
            }
            if prefix != 0 {
                lastPrefix = prefix
                bytes = UnsafeRawBufferPointer(rebasing: whole[(end + 1)...])
            }
        }
        let tag = nonASCII | UInt64(prefix) << 36
        liveBytes += bytes.count
        if bytes.count > Int(UInt16.max) {
            // A page of its own, and a fresh one after it for the next small name.
            precondition(pages.count + 2 <= Self.maximumPages, "the index's names exceed \(Self.maximumPages) pages")
            if pages.isEmpty { pages.append([0]) }
            pages.append([UInt8](bytes))
            pages.append([])
            return tag | Self.ownPageBit | UInt64(pages.count - 2) << 20
        }
        let stored = Self.lengthSize(bytes.count) + bytes.count
        if pages.isEmpty || pages[pages.count - 1].count + stored > Self.pageSize {
            precondition(pages.count < Self.maximumPages, "the index's names exceed \(Self.maximumPages) pages")
            pages.append([])
        }
        let page = pages.count - 1
        if pages[page].isEmpty {
            pages[page].reserveCapacity(Self.pageSize)
            if page == 0 { pages[page].append(0) }  // no span is 0
        }
        let offset = pages[page].count
        var length = bytes.count
        while length >= 0x80 {
            pages[page].append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        pages[page].append(UInt8(length))
        pages[page].append(contentsOf: bytes)
        return tag | UInt64(page) << 20 | UInt64(offset)
    }

    /// Where an interned prefix of `name` ends (its last byte), if it has one: its last NUL at
    /// index 7 or later; else, when it ends in ASCII digits after a `-` at index 4 or later,
    /// that `-`.
    static func prefixEnd(_ name: UnsafeRawBufferPointer) -> Int? {
        if let nul = name.lastIndex(of: 0) { return nul >= 7 ? nul : nil }
        var i = name.count - 1
        while i >= 0 && name[i] >= 0x30 && name[i] <= 0x39 { i -= 1 }
        return i >= 4 && i < name.count - 1 && name[i] == 0x2D ? i : nil
    }

    /// Bytes of the LEB128 length of a name of `count` bytes.
    @inline(__always) private static func lengthSize(_ count: Int) -> Int {
        count < 0x80 ? 1 : count < 0x4000 ? 2 : 3
    }

    /// The stored length of the name at `offset` of `page`, and where its bytes start.
    @inline(__always) private func header(_ page: Int, _ offset: Int) -> (length: Int, start: Int) {
        pages[page].withUnsafeBufferPointer { p in
            var length = 0, shift = 0, i = offset
            while true {
                let byte = p[i]
                length |= Int(byte & 0x7F) << shift
                i += 1
                if byte < 0x80 { return (length, i) }
                shift += 7
            }
        }
    }

    /// Counts the name's stored bytes as dead (the caller forgets the span).
    mutating func remove(_ span: UInt64) {
        let length = storedLength(span)
        liveBytes -= length
        deadBytes += length
    }

    /// The name's length in bytes.
    @inline(__always) func length(_ span: UInt64) -> Int {
        prefixes[Self.prefix(span)].count + storedLength(span)
    }

    @inline(__always) private func storedLength(_ span: UInt64) -> Int {
        guard span != Self.empty else { return 0 }
        return span & Self.ownPageBit != 0 ? pages[Self.page(span)].count : header(Self.page(span), Self.offset(span)).length
    }

    @inline(__always) private static func page(_ span: UInt64) -> Int { Int((span >> 20) & 0xFFFF) }
    @inline(__always) private static func offset(_ span: UInt64) -> Int { Int(span & 0xF_FFFF) }
    @inline(__always) private static func prefix(_ span: UInt64) -> Int { Int((span >> 36) & 0x3FF) }
    @inline(__always) static func isASCII(_ span: UInt64) -> Bool { span & nonASCIIBit == 0 }

    /// The name's bytes as its interned prefix (empty when none) and the stored rest.
    @inline(__always)
    func withParts<R>(_ span: UInt64, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> R) -> R {
        prefixes[Self.prefix(span)].withUnsafeBytes { head in
            guard span != Self.empty else { return body(head, UnsafeRawBufferPointer(start: nil, count: 0)) }
            let page = Self.page(span)
            if span & Self.ownPageBit != 0 { return pages[page].withUnsafeBytes { body(head, $0) } }
            let (length, start) = header(page, Self.offset(span))
            return pages[page].withUnsafeBytes { body(head, UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
        }
    }

    /// The name's bytes in one piece (copied together when it has an interned prefix).
    @inline(__always)
    func withBytes<R>(_ span: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withParts(span) { head, rest in
            guard head.count > 0 else { return body(rest) }
            let joined = [UInt8](head) + [UInt8](rest)
            return joined.withUnsafeBytes { body($0) }
        }
    }

    func string(_ span: UInt64) -> String {
        withBytes(span) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the name at `span` is `name`, byte for byte.
    @inline(__always)
    func equals(_ span: UInt64, _ name: String) -> Bool {
        var name = name
        return withParts(span) { head, rest in
            name.withUTF8 { utf8 in
                let whole = UnsafeRawBufferPointer(utf8)
                guard whole.count == head.count + rest.count else { return false }
                return sameBytes(UnsafeRawBufferPointer(rebasing: whole[..<head.count]), head)
                    && sameBytes(UnsafeRawBufferPointer(rebasing: whole[head.count...]), rest)
            }
        }
    }

    /// `String` order of two names: their bytes decide when both are ASCII, and also when the
    /// first difference is an ASCII byte (`byteOrder`); `String` decides only past that.
    /// Names with accents (a Customer named "Zürich Trading 42") used to make every
    /// comparison of a sort build two `String`s.
    func less(_ a: UInt64, _ b: UInt64) -> Bool {
        let order = withParts(a) { a0, a1 in withParts(b) { b0, b1 in Self.byteOrder((a0, a1), (b0, b1)) } }
        guard order.settled || (Self.isASCII(a) && Self.isASCII(b)) else { return string(a) < string(b) }
        return order.sign < 0
    }

    /// Sorts `items` by their names (`span(item)`) in `String` order, as `less` would, stable.
    /// A comparison the bytes do not settle compares `String`s, which `less` builds twice per
    /// comparison; here each name's is built once, when first needed, and kept until the sort
    /// ends. Only names with a non-ASCII byte ever need one. Closing a site just rebuilt from
    /// a log of 1,000,000 Customers with international names sorted them for its index
    /// snapshot in 5 s, most of it building and freeing `String`s.
    func sort<Item>(_ items: inout [Item], by span: (Item) -> UInt64) {
        let order = order(of: items.map(span))
        items = order.map { items[Int($0)] }
    }

    /// The positions of `spans` in the order `sort` puts their names.
    func order(of spans: [UInt64]) -> [UInt32] {
        let count = spans.count
        // Room for the `String`s only when some name may need one.
        let texts = spans.allSatisfy(Self.isASCII) ? nil : UnsafeMutablePointer<String?>.allocate(capacity: count)
        texts?.initialize(repeating: nil, count: count)
        defer { texts?.deinitialize(count: count); texts?.deallocate() }
        var order = Array(0..<UInt32(count))
        spans.withUnsafeBufferPointer { spans in
            order.sort { x, y in
                let a = spans[Int(x)], b = spans[Int(y)]
                let bytes = withParts(a) { a0, a1 in withParts(b) { b0, b1 in Self.byteOrder((a0, a1), (b0, b1)) } }
                guard !bytes.settled, let texts else { return bytes.sign < 0 }
                if texts[Int(x)] == nil { texts[Int(x)] = string(a) }
                if texts[Int(y)] == nil { texts[Int(y)] = string(b) }
                return texts[Int(x)]! < texts[Int(y)]!
            }
        }
        return order
    }

    /// `String` order of the name at `span` and `name`.
    func less(_ span: UInt64, than name: String) -> Bool {
        var name = name
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let order = withParts(span) { x0, x1 in name.withUTF8 { Self.byteOrder((x0, x1), (UnsafeRawBufferPointer($0), none)) } }
        guard order.settled else { return string(span) < name }
        return order.sign < 0
    }

    /// `name` < the name at `span`, in `String` order.
    func less(_ name: String, than span: UInt64) -> Bool {
        var name = name
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let order = withParts(span) { y0, y1 in name.withUTF8 { Self.byteOrder((UnsafeRawBufferPointer($0), none), (y0, y1)) } }
        guard order.settled else { return name < string(span) }
        return order.sign < 0
    }

    /// Byte order of two names each given in two parts (`x.0` then `x.1`): `sign` < 0, 0 or
    /// > 0, and whether that is also their `String` order for certain (`settled`).
    ///
    /// Swift orders strings by the Unicode scalars of their NFC forms, and byte order of UTF-8
    /// is scalar order. The two orders can part only where normalisation changes something
    /// after the common prefix. An ASCII character never composes with what precedes it, so
    /// when both names go on with one, they normalise their common prefix alike. Then:
    /// - if one name ends there, it is a prefix of the other in NFC too, and comes first;
    /// - if the two ASCII characters differ and each is followed by ASCII or nothing (so by no
    ///   combining mark that could compose with it: "a\u{301}" is "á", after "b"), they decide.
    /// Otherwise `settled` is false.
    static func byteOrder(_ x: (UnsafeRawBufferPointer, UnsafeRawBufferPointer),
                          _ y: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)) -> (sign: Int, settled: Bool) {
        func part(_ p: (UnsafeRawBufferPointer, UnsafeRawBufferPointer), _ i: Int) -> UnsafeRawBufferPointer { i == 0 ? p.0 : p.1 }
        var xi = 0, xo = 0, yi = 0, yo = 0
        while true {
            while xi < 2 && xo == part(x, xi).count { xi += 1; xo = 0 }
            while yi < 2 && yo == part(y, yi).count { yi += 1; yo = 0 }
            if xi == 2 && yi == 2 { return (0, true) }
            if xi == 2 { return (-1, part(y, yi)[yo] < 0x80) }
            if yi == 2 { return (1, part(x, xi)[xo] < 0x80) }
            let a = part(x, xi), b = part(y, yi)
            let n = min(a.count - xo, b.count - yo)
            let order = memcmp(a.baseAddress! + xo, b.baseAddress! + yo, n)
            if order != 0 {
                // Find the differing byte (memcmp says only which side is larger).
                var k = 0
                while a[xo + k] == b[yo + k] { k += 1 }
                /// The byte after position `o` of part `i`, or nil at the end of the name.
                func next(_ p: (UnsafeRawBufferPointer, UnsafeRawBufferPointer), _ i: Int, _ o: Int) -> UInt8? {
                    if o + 1 < part(p, i).count { return part(p, i)[o + 1] }
                    return i == 0 && p.1.count > 0 ? p.1[0] : nil
                }
                let settled = a[xo + k] < 0x80 && b[yo + k] < 0x80
                    && (next(x, xi, xo + k) ?? 0) < 0x80 && (next(y, yi, yo + k) ?? 0) < 0x80
                return (order < 0 ? -1 : 1, settled)
            }
            xo += n
            yo += n
        }
    }

    /// A fresh arena holding only the names at `spans` (the live ones), and their new spans in
    /// the same order.
    func compacted(_ spans: [UInt64]) -> (NameArena, [UInt64]) {
        var fresh = NameArena(internsPrefixes: internsPrefixes)
        var moved: [UInt64] = []
        moved.reserveCapacity(spans.count)
        for span in spans {
            moved.append(withBytes(span) { fresh.add($0) })
        }
        return (fresh, moved)
    }

    /// Bytes the arena holds: what its pages hold (the unwritten rest of a page is reserved,
    /// a mapping of its own, and not resident until written) and the interned prefixes.
    var allocatedBytes: Int {
        pages.reduce(0) { $0 + $1.count } + prefixes.reduce(0) { $0 + $1.count }
    }

    /// Whether enough is dead that `compacted` pays: more than 16 MiB, and more than is live.
    var wantsCompaction: Bool { deadBytes > 16 << 20 && deadBytes > liveBytes }
}
