import Foundation
import Testing
@testable import SnapshotStore

/// The index keeps document names as bytes in pages (`NameArena`) rather than one `String`
/// each: lookups, name order (Swift's `String` order, non-ASCII included) and the reclaiming
/// of removed names must behave exactly as with Strings.
@Suite("Snapshot store: names in an arena")
struct NameArenaTests {
    static let samples = ["", "a", "B", "Customer 1", "Customer 10", "Customer 2", "é", "e\u{301}", "Zürich", "zz",
                          "producer-0123456789abcdef\u{0}Customer\u{0}Customer 42", "日本", "\u{1F600}", String(repeating: "x", count: 300),
                          // Non-ASCII names that differ first at an ASCII byte (bytes decide), and a
                          // prefix whose continuation composes into a smaller scalar (String decides:
                          // "Α\u{301}" is "Ά", U+0386, before "Α", U+0391).
                          "Zürich", "Zürich 1", "Zürich 2", "Zürich2", "Züri", "Α", "Α\u{301}", "Α\u{301}x", "Αb", "Α1",
                          // An ASCII letter composed with the mark after it: "a\u{301}" is "á", after "b".
                          "a\u{301}", "b", "a\u{301}b"]

    @Test func namesRoundTripAndOrderAsStrings() {
        var arena = NameArena()
        let spans = Self.samples.map { arena.add($0) }
        for (name, span) in zip(Self.samples, spans) {
            #expect(arena.string(span) == name)
            #expect(arena.equals(span, name))
        }
        for (a, spanA) in zip(Self.samples, spans) {
            for (b, spanB) in zip(Self.samples, spans) {
                #expect(arena.less(spanA, spanB) == (a < b), "\(a.debugDescription) < \(b.debugDescription)")
                #expect(arena.less(spanA, than: b) == (a < b))
                #expect(arena.less(a, than: spanB) == (a < b))
            }
        }
    }

    /// The index sorts a DocType's new names with `sort` (Strings built once per name, not per
    /// comparison): the order must be `String` order, and names that are equal keep their order.
    @Test(arguments: [false, true])
    func sortOrdersAsStringsAndIsStable(internsPrefixes: Bool) {
        var arena = NameArena(internsPrefixes: internsPrefixes)
        var generator = SystemRandomNumberGenerator()
        // Every sample three times, shuffled, tagged with where it was: stability is visible.
        let names = (Self.samples + Self.samples + Self.samples).shuffled(using: &generator)
        var items = names.enumerated().map { (tag: $0.offset, span: arena.add($0.element)) }
        arena.sort(&items) { $0.span }
        let expected = names.enumerated().sorted { $0.element < $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
        #expect(items.map { arena.string($0.span) } == expected.map(\.element))
        #expect(items.map(\.tag) == expected.map(\.offset))
        // Only ASCII names: no String is ever needed.
        var ascii = ["b", "a", "Customer 10", "Customer 2", "", "a"].map { arena.add($0) }
        arena.sort(&ascii) { $0 }
        #expect(ascii.map { arena.string($0) } == ["", "Customer 10", "Customer 2", "a", "a", "b"])
    }

    /// Names spill into further pages without moving the earlier ones.
    @Test func pagesFillAndKeepEarlierNames() {
        var arena = NameArena()
        let long = String(repeating: "n", count: 1000)
        var spans: [UInt64] = []
        for i in 0..<3000 { spans.append(arena.add("\(i)-\(long)")) }
        #expect(arena.liveBytes > 2 * NameArena.pageSize)
        for (i, span) in spans.enumerated() { #expect(arena.equals(span, "\(i)-\(long)")) }
    }

    /// The store's internal keys share long prefixes up to their last NUL: kept once each.
    @Test func sharedPrefixesAreKeptOnce() {
        var arena = NameArena(internsPrefixes: true)
        let producer = String(repeating: "f", count: 64)
        var names: [String] = []
        for i in 0..<1000 { names.append("\(producer)\u{0}Customer\u{0}Customer \(i)") }
        names += ["\(producer)\u{0}Customer\u{0}", "short\u{0}x", "\(producer)\u{0}Customer", "Customer 5", "\(producer)\u{0}Item\u{0}ITEM-1", "é\u{0}é\u{0}é\u{0}é"]
        let spans = names.map { arena.add($0) }
        // Only what follows the prefix is stored: "Customer i" and the odd ones out.
        #expect(arena.liveBytes < 1000 * 14 + 200, "\(arena.liveBytes) bytes stored")
        for (name, span) in zip(names, spans) {
            #expect(arena.string(span) == name)
            #expect(arena.equals(span, name))
            #expect(arena.length(span) == name.utf8.count)
            #expect(!arena.equals(span, name + "x"))
        }
        for (a, spanA) in zip(names, spans).suffix(12) {
            for (b, spanB) in zip(names, spans).suffix(12) {
                #expect(arena.less(spanA, spanB) == (a < b), "\(a.debugDescription) < \(b.debugDescription)")
                #expect(arena.less(spanA, than: b) == (a < b))
                #expect(arena.less(a, than: spanB) == (a < b))
            }
        }
        let (fresh, moved) = arena.compacted(spans)
        for (name, span) in zip(names, moved) { #expect(fresh.string(span) == name) }
    }

    /// Naming-series names keep their series (up to the `-` before the trailing digits) once;
    /// everything else about them is as before: bytes, equality, order, compaction.
    @Test func seriesPrefixesAreKeptOnce() {
        var arena = NameArena(internsPrefixes: true)
        var names: [String] = []
        for i in 0..<3000 { names.append(String(format: "ACC-SINV-2026-%05d", i)) }
        for i in 0..<3000 { names.append(String(format: "ACC-GLE-2026-%05d", i)) }
        // Not series: digits without a '-' before them, a '-' too early, no digits after it,
        // a NUL too early; and one series beside a name that only starts like it.
        names += ["Customer 5", "AB-12", "ACC-SINV-2026-", "x\u{0}-2026-1", "ACC-SINV-2026-0001a", "Zürich-Nord-7", "ACC-SINV-2026-1"]
        let spans = names.map { arena.add($0) }
        let stored = names.reduce(0) { $0 + $1.utf8.count }
        #expect(arena.liveBytes < stored / 2, "\(arena.liveBytes) of \(stored) bytes stored")
        for (name, span) in zip(names, spans) {
            #expect(arena.string(span) == name)
            #expect(arena.equals(span, name) && !arena.equals(span, name + "0"))
            #expect(arena.length(span) == name.utf8.count)
        }
        let sample = Array(zip(names, spans).enumerated().filter { $0.offset % 500 == 0 || $0.offset >= 6000 }.map(\.element))
        for (a, spanA) in sample {
            for (b, spanB) in sample {
                #expect(arena.less(spanA, spanB) == (a < b), "\(a.debugDescription) < \(b.debugDescription)")
                #expect(arena.less(spanA, than: b) == (a < b))
            }
        }
        #expect(arena.order(of: spans).map { names[Int($0)] } == names.sorted())
        let (fresh, moved) = arena.compacted(spans)
        for (name, span) in zip(names, moved) { #expect(fresh.string(span) == name) }
        #expect(fresh.liveBytes == arena.liveBytes)
    }

    /// A value over 65,535 bytes (a long unique field in a `TermTable`) gets a page of its own.
    @Test func aLongValueGetsItsOwnPage() {
        var arena = NameArena()
        let small = arena.add("before")
        let huge = String(repeating: "ü", count: 70_000)
        let long = arena.add(huge)
        let after = arena.add("after")
        #expect(arena.string(long) == huge && arena.length(long) == huge.utf8.count)
        #expect(arena.string(small) == "before" && arena.string(after) == "after")
        #expect(arena.less(small, long) == ("before" < huge))
        var table = TermTable()
        table.add(huge, document: 7)
        table.add("x", document: 8)
        #expect(table.documents(with: huge) == [7])
        table.remove(huge, document: 7)
        #expect(table.documents(with: huge).isEmpty && table.documents(with: "x") == [8])
    }

    /// Removing most documents makes the index rewrite its names; every live one is kept, in order.
    @Test func removedNamesAreReclaimed() {
        var index = StoreIndex()
        let prefix = String(repeating: "p", count: 100)
        func key(_ i: Int) -> DocumentKey { DocumentKey(doctype: "__replica", name: "\(prefix)\(i)") }
        for i in 0..<400_000 { _ = index.put(key(i), offset: UInt64(i), length: 1, hasTerms: false) }
        let before = index.names.liveBytes
        for i in 0..<400_000 where i % 10 != 0 { _ = index.remove(key(i)) }
        // 36 MB of names died; past 16 MiB dead and more dead than live, they were rewritten.
        #expect(index.names.deadBytes < 16 << 20)
        #expect(index.names.liveBytes < before / 5)
        for i in stride(from: 0, to: 400_000, by: 997) {
            #expect(index.id(of: key(i)) != nil || i % 10 != 0)
            #expect((index.id(of: key(i)) == nil) == (i % 10 != 0))
        }
        let listed = index.names(doctype: "__replica", after: nil, limit: 100).map { index.name(of: $0) }
        #expect(listed == (0..<40_000).map { "\(prefix)\($0 * 10)" }.sorted().prefix(100).map { $0 })
        // New names after the rewrite land in the fresh arena.
        _ = index.put(key(7), offset: 1, length: 1, hasTerms: false)
        #expect(index.id(of: key(7)) != nil)
        #expect(index.key(of: index.id(of: key(7))!) == key(7))
    }
}
