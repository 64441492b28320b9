import Foundation
import Testing
@testable import SnapshotStore

@Suite("Snapshot store: compaction slices")
struct CompactionSlicesTests {
    /// An index with one live document every `stride` bytes from `start`, some deleted.
    static func index(documents: Int, start: UInt64, stride: UInt64, deleting deleted: Set<Int> = []) -> StoreIndex {
        var index = StoreIndex()
        for i in 0..<documents {
            _ = index.put(DocumentKey(doctype: "Customer", name: "C-\(i)"), offset: start + UInt64(i) * stride, length: 40, hasTerms: false)
        }
        for i in deleted { _ = index.remove(DocumentKey(doctype: "Customer", name: "C-\(i)")) }
        return index
    }

    @Test func slicesCoverTheFileInOrderAndHoldAboutTheTarget() {
        let index = Self.index(documents: 10_000, start: 16, stride: 100)
        let end: UInt64 = 16 + 10_000 * 100
        let slices = CompactionSlices.slices(of: index, from: 16, to: end, target: 1000)
        #expect(slices.first?.lowerBound == 16)
        #expect(slices.last?.upperBound == end)
        for (a, b) in zip(slices, slices.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        var listed: [UInt32] = []
        for slice in slices {
            let records = CompactionSlices.records(of: index, in: slice)
            #expect(records.count <= 1000, "\(slice) lists \(records.count)")
            #expect(records.map(\.offset) == records.map(\.offset).sorted())
            listed += records.map(\.id)
        }
        // Every live document exactly once, in file order.
        #expect(listed.count == 10_000)
        #expect(Set(listed).count == 10_000)
        #expect(slices.count >= 10 && slices.count <= 20)
    }

    @Test func deletedDocumentsAreNotListed() {
        let index = Self.index(documents: 100, start: 16, stride: 50, deleting: [3, 50, 99])
        let slices = CompactionSlices.slices(of: index, from: 16, to: 16 + 100 * 50, target: 10)
        let listed = slices.flatMap { CompactionSlices.records(of: index, in: $0) }
        #expect(listed.count == 97)
    }

    /// Live records crowded into one part of the file make one larger slice, never a lost one.
    @Test func aDenseRegionMakesALargerSlice() {
        let index = Self.index(documents: 500, start: 1_000_000, stride: 1)
        let slices = CompactionSlices.slices(of: index, from: 16, to: 1_000_500, target: 10, buckets: 64)
        let listed = slices.flatMap { CompactionSlices.records(of: index, in: $0) }
        #expect(listed.count == 500)
        #expect(slices.last?.upperBound == 1_000_500)
    }
}
