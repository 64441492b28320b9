import Foundation
import Testing
@testable import SnapshotStore

@Suite("Snapshot store: reads and writes")
struct SnapshotStoreBasicTests {
    @Test func putGetOverwriteDelete() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let a = key("Customer", "CUST-1"), b = key("Item", "ITEM-1")
        #expect(try store.get(a) == nil)
        try store.apply([.put(a, document: bytes("{\"v\":1}"), terms: []), .put(b, document: bytes("item"), terms: [])], throughSequence: 1)
        #expect(try store.get(a) == bytes("{\"v\":1}"))
        #expect(try store.get(b) == bytes("item"))
        #expect(store.contains(a))
        #expect(!store.contains(key("Customer", "CUST-2")))
        #expect(store.lastAppliedSequence == 1)
        try store.apply([.put(a, document: bytes("{\"v\":2}"), terms: [])], throughSequence: 2)
        #expect(try store.get(a) == bytes("{\"v\":2}"))
        try store.apply([.delete(a)], throughSequence: 3)
        #expect(try store.get(a) == nil)
        #expect(!store.contains(a))
        #expect(store.count(doctype: "Customer") == 0)
        #expect(store.count(doctype: "Item") == 1)
        #expect(store.documentCount == 1)
        #expect(store.lastAppliedSequence == 3)
        try store.close()
    }

    /// DocTypes are found by their name's bits first: short names (held inside the `String`)
    /// and long ones (heap storage) built afresh must find the same DocType, and a name that
    /// differs only past 15 bytes or by one byte must not.
    @Test func docTypesAreFoundWhateverStorageTheirNameHas() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let long = "Sales Taxes and Charges Template", short = "Item"
        try store.apply([.put(key(long, "T-1"), document: bytes("t"), terms: []), .put(key(short, "I-1"), document: bytes("i"), terms: [])],
                        throughSequence: 1)
        // Built at run time, so neither shares storage nor bits with the literals above.
        let longAgain = String(decoding: Array(long.utf8), as: UTF8.self)
        let shortAgain = String(decoding: Array(short.utf8), as: UTF8.self)
        #expect(store.contains(key(longAgain, "T-1")))
        #expect(store.contains(key(shortAgain, "I-1")))
        #expect(store.count(doctype: longAgain) == 1)
        #expect(!store.contains(key("Sales Taxes and Charges Templatf", "T-1")))
        #expect(!store.contains(key("Iten", "I-1")))
        #expect(!store.contains(key(short, "T-1")))
        try store.apply([.put(key(longAgain, "T-2"), document: bytes("t2"), terms: [])], throughSequence: 2)
        #expect(store.count(doctype: long) == 2)
        try store.apply([.delete(key(longAgain, "T-1"))], throughSequence: 3)
        #expect(store.count(doctype: long) == 1 && !store.contains(key(long, "T-1")))
        try store.close()
    }

    @Test func emptyDocumentAndSameKeyTwiceInOneBatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let a = key("Customer", "A")
        try store.apply([.put(a, document: bytes("one"), terms: []), .put(a, document: [], terms: [])], throughSequence: 1)
        #expect(try store.get(a) == [])
        try store.apply([.delete(a), .put(a, document: bytes("three"), terms: [])], throughSequence: 2)
        #expect(try store.get(a) == bytes("three"))
        #expect(store.count(doctype: "Customer") == 1)
        try store.close()
    }

    @Test func indexTermsAreReplacedOnOverwriteAndRemovedOnDelete() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let a = key("Customer", "CUST-1"), b = key("Customer", "CUST-2")
        let retail = IndexTerm(index: "field:Customer.customer_group", value: "Retail")
        let commercial = IndexTerm(index: "field:Customer.customer_group", value: "Commercial")
        let emailA = IndexTerm(index: "unique:Customer.email_id", value: "a@b")
        try store.apply([
            .put(a, document: bytes("a1"), terms: [retail, emailA]),
            .put(b, document: bytes("b1"), terms: [retail]),
        ], throughSequence: 1)
        #expect(store.keys(matching: retail) == [a, b])
        #expect(store.keys(matching: emailA) == [a])
        try store.apply([.put(a, document: bytes("a2"), terms: [commercial])], throughSequence: 2)
        #expect(store.keys(matching: retail) == [b])
        #expect(store.keys(matching: commercial) == [a])
        #expect(store.keys(matching: emailA) == [])
        try store.apply([.delete(b)], throughSequence: 3)
        #expect(store.keys(matching: retail) == [])
        try store.apply([.put(a, document: bytes("a3"), terms: [])], throughSequence: 4)
        #expect(store.keys(matching: commercial) == [])
        try store.close()
    }

    /// A new version changes only the terms that differ from the previous one's (many terms:
    /// the set-difference path), and what it keeps, drops and adds is all right afterwards,
    /// also across a reopen from the index snapshot.
    @Test func manyTermsAreReplacedByTheirDifference() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = key("Sales Invoice", "SINV-1"), b = key("Sales Invoice", "SINV-2")
        func links(_ range: Range<Int>) -> [IndexTerm] { range.map { IndexTerm(index: "linkto", value: "Item\u{0}ITEM-\($0)") } }
        do {
            let store = try openStore(directory)
            try store.apply([.put(a, document: bytes("a1"), terms: links(0..<25)), .put(b, document: bytes("b1"), terms: links(10..<12))],
                            throughSequence: 1)
            try store.apply([.put(a, document: bytes("a2"), terms: links(5..<30) + links(7..<8))], throughSequence: 2)
            for term in links(0..<5) { #expect(store.keys(matching: term) == []) }
            for term in links(5..<30) where !links(10..<12).contains(term) { #expect(store.keys(matching: term) == [a]) }
            for term in links(10..<12) { #expect(store.keys(matching: term) == [a, b]) }
            try store.apply([.delete(a)], throughSequence: 3)
            try store.close()
        }
        let store = try openStore(directory)
        for term in links(0..<30) { #expect(store.keys(matching: term) == (links(10..<12).contains(term) ? [b] : [])) }
        try store.close()
    }

    @Test func pagingByName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let names = (0..<250).map { String(format: "CUST-%04d", $0) }
        // Insert in a scrambled order, over several batches, with deletes in between.
        let scrambled = names.enumerated().sorted { ($0.offset * 7919) % 251 < ($1.offset * 7919) % 251 }.map(\.element)
        for (i, chunk) in stride(from: 0, to: scrambled.count, by: 50).map({ Array(scrambled[$0..<min($0 + 50, scrambled.count)]) }).enumerated() {
            try store.apply(chunk.map { .put(key("Customer", $0), document: bytes($0), terms: []) }, throughSequence: UInt64(i + 1))
            _ = store.names(doctype: "Customer", limit: 3) // merge partway, to exercise incremental merges
        }
        try store.apply([.delete(key("Customer", "CUST-0010")), .delete(key("Customer", "CUST-0100"))], throughSequence: 10)
        let expected = names.filter { $0 != "CUST-0010" && $0 != "CUST-0100" }
        var pages: [String] = []
        var after: String?
        while true {
            let page = store.names(doctype: "Customer", after: after, limit: 33)
            if page.isEmpty { break }
            #expect(page.count <= 33)
            pages += page
            after = page.last
        }
        #expect(pages == expected)
        #expect(store.names(doctype: "Customer", after: "CUST-0009", limit: 2) == ["CUST-0011", "CUST-0012"])
        #expect(store.names(doctype: "Nothing", limit: 10) == [])
        #expect(store.names(doctype: "Customer", after: "CUST-0247", limit: Int.max) == ["CUST-0248", "CUST-0249"])
        #expect(store.names(doctype: "Customer", after: "CUST-9999", limit: 5) == [])
        #expect(store.names(doctype: "Customer", limit: 0) == [])
        // Re-adding a deleted name puts it back in order.
        try store.apply([.put(key("Customer", "CUST-0010"), document: bytes("back"), terms: [])], throughSequence: 11)
        #expect(store.names(doctype: "Customer", after: "CUST-0008", limit: 3) == ["CUST-0009", "CUST-0010", "CUST-0011"])
        var scanned: [String] = []
        try store.scan(doctype: "Customer") { key, document in
            #expect(document == bytes(key.name == "CUST-0010" ? "back" : key.name))
            scanned.append(key.name)
            return true
        }
        #expect(scanned == names.filter { $0 != "CUST-0100" })
        var firstFive: [String] = []
        try store.scan(doctype: "Customer") { key, _ in firstFive.append(key.name); return firstFive.count < 5 }
        #expect(firstFive == Array(names.prefix(5)))
        try store.close()
    }

    @Test func reapplyingIsHarmlessAndTheSequenceNeverGoesBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        var model = StoreModel()
        for k in UInt64(1)...40 {
            try store.apply(StoreWorkload.batch(k), throughSequence: k)
            model.apply(StoreWorkload.batch(k))
        }
        for k in UInt64(31)...40 { // a Site re-folding a tail the store already holds
            try store.apply(StoreWorkload.batch(k), throughSequence: k)
        }
        #expect(store.lastAppliedSequence == 40)
        try expectStore(store, equals: model, candidates: workloadKeys)
        try store.apply([], throughSequence: 41)
        #expect(store.lastAppliedSequence == 41)
        try store.close()
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == 41)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }

    static let badKeys: [String: DocumentKey] = [
        "empty doctype": DocumentKey(doctype: "", name: "x"),
        "empty name": DocumentKey(doctype: "Customer", name: ""),
        "name over 65535 bytes": DocumentKey(doctype: "Customer", name: String(repeating: "n", count: 70_000)),
    ]

    @Test(arguments: ["empty doctype", "empty name", "name over 65535 bytes"])
    func invalidKeysAreRefusedBeforeAnythingIsWritten(case label: String) throws {
        let bad = try #require(Self.badKeys[label])
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.apply([.put(key("Customer", "ok"), document: bytes("ok"), terms: [])], throughSequence: 1)
        let before = store.dataFileStatistics.size
        let error = #expect(throws: SnapshotStoreError.self) {
            try store.apply([.put(key("Customer", "fine"), document: bytes("x"), terms: []), .put(bad, document: bytes("x"), terms: [])], throughSequence: 2)
        }
        #expect(error?.code == .invalidArgument)
        #expect(store.dataFileStatistics.size == before)
        #expect(store.lastAppliedSequence == 1)
        #expect(!store.contains(key("Customer", "fine")))
        try store.close()
    }

    @Test func aSecondOpenOfTheSameDirectoryIsRefusedWithTheHolder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let error = #expect(throws: SnapshotStoreError.self) { _ = try openStore(directory) }
        #expect(error?.code == .locked)
        #expect(error?.file == directory.file("LOCK").path)
        #expect(error?.message.contains("\(getpid())") == true)
        try store.close()
        let again = try openStore(directory) // released by close
        try again.close()
    }

    @Test func closedStoreRefusesWork() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.close()
        #expect(throws: SnapshotStoreError.self) { try store.apply([], throughSequence: 1) }
        #expect(throws: SnapshotStoreError.self) { _ = try store.get(key("Customer", "x")) }
        try store.close() // a second close is harmless
    }
}

@Suite("Snapshot store: write buffer")
struct SnapshotStoreWriteBufferTests {
    /// Reads are served from the buffer or the file wherever a record is; the state is the same
    /// whatever the buffer size (0: every batch written at once; a batch larger than the buffer
    /// bypasses it), and `flush()` puts everything in the file for a reopen after a "crash".
    @Test(arguments: [0, 3000, 256 << 10])
    func everyBufferSizeHoldsTheSameState(bufferSize: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        do {
            let store = try openStore(directory) { $0.writeBufferSize = bufferSize }
            for k in UInt64(1)...150 {
                try store.apply(StoreWorkload.batch(k), throughSequence: k)
                model.apply(StoreWorkload.batch(k))
                if k % 50 == 0 { try expectStore(store, equals: model, candidates: workloadKeys) }
            }
            try store.flush()
            // Dropped without close, as after a crash: the flushed data must be there.
        }
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == 150)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }

    @Test func unflushedBatchesAreLostWholeAndTheSequenceSaysSo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 1 << 20 }
            for k in UInt64(1)...10 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
            try store.flush()
            for k in UInt64(11)...20 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
            #expect(store.lastAppliedSequence == 20)
            // Dropped without flush or close: batches 11…20 never reach the file.
        }
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == 10)
        try expectStore(reopened, equals: StoreModel.workload(through: 10), candidates: workloadKeys)
        try reopened.close()
    }
}

@Suite("Snapshot store: prepared batches")
struct PreparedBatchTests {
    /// A batch encoded first and added to later (as a writer does under its lock) is one
    /// valid batch record: applied, it reads back, and a reopen that replays the data file
    /// (its checksum checked) finds the same documents and sequence. A change that cannot be
    /// encoded leaves the batch as it was.
    @Test func appendedChangesMakeOneValidBatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = key("Customer", "A"), b = key("Item", "B"), c = key("Customer", "C")
        let term = IndexTerm(index: "unique:Customer.email", value: "c@example.com")
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 0 }
            var batch = try PreparedBatch([.put(a, document: bytes("a"), terms: [])], throughSequence: 0, reserving: 64)
            let bytesBefore = batch.byteCount
            #expect(throws: SnapshotStoreError.self) {
                try batch.append([.put(key("Item", ""), document: bytes("bad"), terms: [])], throughSequence: 9)
            }
            #expect(batch.byteCount == bytesBefore && batch.count == 1 && batch.throughSequence == 0)
            try batch.append([.put(b, document: bytes("b"), terms: []), .put(c, document: bytes("c"), terms: [term])], throughSequence: 7)
            #expect(batch.count == 3 && batch.throughSequence == 7)
            try store.apply(batch)
            #expect(try store.get(b) == bytes("b"))
            #expect(store.keys(matching: term) == [c])
            #expect(store.lastAppliedSequence == 7)
            // Dropped without close: the reopen replays the batch from the data file.
        }
        let reopened = try openStore(directory)
        #expect(reopened.openReport.truncatedTail == nil)
        #expect(reopened.lastAppliedSequence == 7)
        #expect(try reopened.get(a) == bytes("a"))
        #expect(try reopened.get(c) == bytes("c"))
        #expect(reopened.keys(matching: term) == [c])
        try reopened.close()
    }
}
