import Foundation
import Testing
@testable import SnapshotStore

/// A checkpoint writes the index snapshot a chunk at a time instead of building it whole in
/// memory (at a million documents the whole snapshot was a second copy of the index).
@Suite("Snapshot store: index snapshot in chunks")
struct IndexSnapshotChunkTests {
    /// An index whose snapshot is several chunks long: long names, a unique term per document
    /// and one term every document shares (a posting list longer than a chunk on its own).
    static func bigIndex() -> StoreIndex {
        var index = StoreIndex()
        for i in 0..<60_000 {
            let name = "producer-site-0123456789abcdef\u{0}Customer\u{0}Customer \(i)"
            let (id, _) = index.put(DocumentKey(doctype: "__replica", name: name), offset: UInt64(i) * 100, length: 90, hasTerms: true)
            index.addTerms([IndexTerm(index: "remote:Customer", value: "producer\u{0}Customer \(i)"),
                            IndexTerm(index: "linkto", value: "Customer Group\u{0}Retail")], to: id)
        }
        for i in 0..<300_000 {
            let (id, _) = index.put(DocumentKey(doctype: "Customer", name: "C\(i)"), offset: UInt64(i) * 100, length: 90, hasTerms: true)
            index.addTerms([IndexTerm(index: "linkto", value: "Customer Group\u{0}Retail")], to: id)
        }
        index.mergeAll()
        return index
    }

    /// The snapshot of `index` as `encode` hands it out: each chunk's size, and all of it.
    static func encodedInChunks(_ index: StoreIndex, generation: UInt64, position: UInt64, lastAppliedSequence: UInt64) -> (chunks: [Int], joined: [UInt8]) {
        var chunks: [Int] = []
        var joined: [UInt8] = []
        let size = IndexSnapshot.encode(index, generation: generation, position: position, lastAppliedSequence: lastAppliedSequence) { chunk in
            chunks.append(chunk.count)
            joined.append(contentsOf: chunk)
        }
        #expect(size == joined.count)
        return (chunks, joined)
    }

    @Test func chunksAreBoundedAndAddUpToTheWholeSnapshot() throws {
        let index = Self.bigIndex()
        let (chunks, joined) = Self.encodedInChunks(index, generation: 3, position: 1234, lastAppliedSequence: 77)
        #expect(chunks.count > 4, "the snapshot should span several chunks: \(chunks)")
        // No value here is longer than a chunk, so no chunk is either.
        #expect(chunks.allSatisfy { $0 <= IndexSnapshot.chunkSize }, "largest chunk \(chunks.max() ?? 0)")
        let loaded = try IndexSnapshot.decode(joined, path: "test")
        #expect(loaded.generation == 3 && loaded.position == 1234 && loaded.lastAppliedSequence == 77)
        #expect(loaded.index.liveCount == index.liveCount)
        #expect(loaded.index.count(doctype: "Customer") == 300_000)
        #expect(loaded.index.keys(matching: IndexTerm(index: "remote:Customer", value: "producer\u{0}Customer 59999"))
            == [DocumentKey(doctype: "__replica", name: "producer-site-0123456789abcdef\u{0}Customer\u{0}Customer 59999")])
        #expect(loaded.index.keys(matching: IndexTerm(index: "linkto", value: "Customer Group\u{0}Retail")).count == 360_000)
        // The same bytes as the whole-buffer form.
        #expect(joined == IndexSnapshot.encode(index, generation: 3, position: 1234, lastAppliedSequence: 77))
    }

    /// A value longer than a chunk goes out on its own, between chunks, and reads back.
    @Test func aValueLongerThanAChunk() throws {
        var index = StoreIndex()
        let long = String(repeating: "v", count: IndexSnapshot.chunkSize + IndexSnapshot.chunkSize / 2)
        for i in 0..<3 {
            let (id, _) = index.put(DocumentKey(doctype: "Note", name: "N\(i)"), offset: UInt64(i) * 100, length: 90, hasTerms: true)
            index.addTerms([IndexTerm(index: "field:Note.text", value: i == 1 ? long : "short \(i)")], to: id)
        }
        index.mergeAll()
        let (chunks, joined) = Self.encodedInChunks(index, generation: 1, position: 0, lastAppliedSequence: 3)
        #expect(chunks.contains(long.utf8.count), "the long value is handed over alone: \(chunks)")
        let loaded = try IndexSnapshot.decode(joined, path: "test")
        #expect(loaded.index.keys(matching: IndexTerm(index: "field:Note.text", value: long)) == [DocumentKey(doctype: "Note", name: "N1")])
        #expect(loaded.index.keys(matching: IndexTerm(index: "field:Note.text", value: "short 2")) == [DocumentKey(doctype: "Note", name: "N2")])
    }

    /// Through the store: a checkpoint of a store bigger than a chunk reopens from its snapshot.
    @Test func aCheckpointWrittenInChunksReopens() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try openStore(directory)
            for batch in 0..<20 {
                let changes: [StoreChange] = (0..<5000).map { i in
                    let n = batch * 5000 + i
                    return .put(DocumentKey(doctype: "Customer", name: "a long customer name number \(n)"), document: Array("{\"n\":\(n)}".utf8),
                                terms: [IndexTerm(index: "unique:Customer.email", value: "c\(n)@example.com")])
                }
                try store.apply(changes, throughSequence: UInt64(batch + 1))
            }
            try store.checkpoint()
            try store.close()
        }
        let snapshot = try FileManager.default.attributesOfItem(atPath: directory.file(IndexSnapshot.fileName).path)[.size] as? Int ?? 0
        #expect(snapshot > 2 * IndexSnapshot.chunkSize)
        let reopened = try openStore(directory)
        defer { try? reopened.close() }
        #expect(reopened.openReport.loadedIndexSnapshot)
        #expect(reopened.openReport.replayedBatches == 0)
        #expect(reopened.count(doctype: "Customer") == 100_000)
        #expect(try reopened.get(DocumentKey(doctype: "Customer", name: "a long customer name number 99999")) == Array("{\"n\":99999}".utf8))
        #expect(reopened.keys(matching: IndexTerm(index: "unique:Customer.email", value: "c4242@example.com"))
            == [DocumentKey(doctype: "Customer", name: "a long customer name number 4242")])
    }
}
