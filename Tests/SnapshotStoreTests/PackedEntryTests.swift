import Testing
@testable import SnapshotStore

/// A document's index entry is 16 bytes (`StoreIndex.Entry`): a 48-bit name span, the DocType,
/// the flags, a 40-bit offset and a 24-bit length, with longer lengths kept aside. Packing must
/// lose nothing: every field reads back, and a record of 16 MiB or more still reads whole.
@Suite("Snapshot store: packed index entries")
struct PackedEntryTests {
    @Test func anEntryIsSixteenBytes() {
        #expect(MemoryLayout<StoreIndex.Entry>.stride == 16)
    }

    @Test func fieldsReadBackAtTheirLimits() {
        let spans: [UInt64] = [1, 1 << NameArena.spanBits - 1]
        for span in spans {
            for offset in [0, 1, StoreIndex.Entry.maximumOffset] {
                for doctype in [UInt16(0), UInt16(StoreIndex.Entry.maximumDoctypes - 1)] {
                    for flags in [UInt8(0), StoreIndex.Entry.live, StoreIndex.Entry.live | StoreIndex.Entry.hasTerms] {
                        var entry = StoreIndex.Entry(name: span, offset: offset, length: 123, doctype: doctype, flags: flags)
                        #expect(entry.name == span && entry.offset == offset && entry.length == 123)
                        #expect(entry.doctype == doctype && entry.flags == flags)
                        entry.length = StoreIndex.Entry.longLength - 1
                        entry.offset = 7
                        entry.name = 5
                        #expect(entry.length == StoreIndex.Entry.longLength - 1 && entry.offset == 7 && entry.name == 5)
                        #expect(entry.doctype == doctype && entry.flags == flags)
                    }
                }
            }
        }
    }

    /// Name spans fit their 48 bits and no name's span is `empty` (the first name of an
    /// arena sits at page 0, offset 0 were it not for the unused first byte).
    @Test func spansFitFortyEightBitsAndAreNeverEmpty() {
        var arena = NameArena(internsPrefixes: true)
        let first = arena.add("a")
        #expect(first != NameArena.empty)
        #expect(arena.string(first) == "a")
        let names = ["b", String(repeating: "é", count: 100), String(repeating: "x", count: 20_000),
                     String(repeating: "y", count: 70_000), "producer-0123456789\u{0}Customer\u{0}", "producer-0123456789\u{0}Customer\u{0}C 1"]
        for name in names {
            let span = arena.add(name)
            #expect(span != NameArena.empty && span >> NameArena.spanBits == 0)
            #expect(arena.string(span) == name && arena.length(span) == name.utf8.count)
        }
        #expect(arena.string(first) == "a")
    }

    /// Lengths past 24 bits are kept aside: the location, a re-put and a removal all see them.
    @Test func longRecordLengthsAreKeptAside() throws {
        var index = StoreIndex()
        let big = StoreIndex.Entry.longLength + 10
        let (id, _) = index.put(DocumentKey(doctype: "File", name: "huge"), offset: 100, length: big, hasTerms: false)
        #expect(index.location(of: DocumentKey(doctype: "File", name: "huge"))?.length == big)
        #expect(index.liveBytes == UInt64(big))
        // Replaced by a short version: the short length wins, the long one is forgotten.
        let (_, previous) = index.put(DocumentKey(doctype: "File", name: "huge"), offset: 200, length: 50, hasTerms: false)
        #expect(previous?.length == big)
        #expect(index.location(of: id).length == 50)
        #expect(index.longLengths.isEmpty)
        _ = index.put(DocumentKey(doctype: "File", name: "huge"), offset: 300, length: big, hasTerms: false)
        // Through an index snapshot.
        index.mergeAll()
        let loaded = try IndexSnapshot.decode(IndexSnapshot.encode(index, generation: 1, position: 0, lastAppliedSequence: 0), path: "test")
        #expect(loaded.index.location(of: DocumentKey(doctype: "File", name: "huge"))?.length == big)
        let removed = index.remove(DocumentKey(doctype: "File", name: "huge"))
        #expect(removed?.previous.length == big && removed?.previous.offset == 300)
        #expect(index.longLengths.isEmpty && index.liveBytes == 0)
    }

    /// Through the store: a document whose record is longer than 16 MiB reads back whole, from
    /// the data file and after reopening from the index snapshot.
    @Test func aSeventeenMebibyteDocumentReadsBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let document = [UInt8](repeating: UInt8(ascii: "z"), count: 17 << 20)
        do {
            let store = try openStore(directory)
            try store.apply([.put(key("File", "big"), document: document, terms: []),
                             .put(key("File", "small"), document: bytes("{}"), terms: [])], throughSequence: 1)
            #expect(try store.get(key("File", "big")) == document)
            try store.close()
        }
        let reopened = try openStore(directory)
        defer { try? reopened.close() }
        #expect(reopened.openReport.loadedIndexSnapshot)
        #expect(try reopened.get(key("File", "big")) == document)
        #expect(try reopened.get(key("File", "small")) == bytes("{}"))
    }
}
