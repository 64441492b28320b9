/// How a compaction lists the live records it copies without holding a list of all of them.
///
/// Why: the list was a point-in-time array of (id, offset, length) for every live document,
/// sorted into a second array, plus the new offsets: 56 bytes a document, about 75 MB for a
/// consumer's 1.3M documents, allocated beside the index whenever a compaction ran in a long
/// catch-up (it set that catch-up's peak memory). Now one pass counts the live records by
/// region of the data file (`slices`), and each slice's records are listed, sorted and copied
/// in turn; what is kept until the switch is `CopiedRecords`, 20 bytes a document.
///
/// Listing a slice later than the first pass is safe: a record below the captured end only
/// ever stops being live (a newer version or a delete goes past the end, and compactions do
/// not overlap), so a slice's list is what the point-in-time list would have held there, less
/// the records that died meanwhile, which need no copy.
enum CompactionSlices {
    /// Regions of the data file below `end`, in order and together covering `start..<end`,
    /// each holding about `target` or fewer of the live records at the time of the call (a
    /// region is at least one of `buckets` equal parts, so one part denser than `target` makes
    /// a larger slice).
    static func slices(of index: StoreIndex, from start: UInt64, to end: UInt64, target: Int, buckets: Int = 4096) -> [Range<UInt64>] {
        guard end > start else { return [] }
        let span = end - start
        // Part widths rounded up, so `buckets` parts cover the whole span.
        let width = max(1, (span + UInt64(buckets) - 1) / UInt64(buckets))
        var counts = [Int](repeating: 0, count: buckets)
        for entry in index.entries where entry.isLive && entry.offset >= start && entry.offset < end {
            counts[Int((entry.offset - start) / width)] += 1
        }
        var slices: [Range<UInt64>] = []
        var lower = start
        var held = 0
        for (part, count) in counts.enumerated() {
            if held > 0 && held + count > target {
                let upper = start + UInt64(part) * width
                slices.append(lower..<upper)
                lower = upper
                held = 0
            }
            held += count
        }
        slices.append(lower..<end)
        return slices
    }

    /// The live records whose current version lies in `slice`, by offset.
    static func records(of index: StoreIndex, in slice: Range<UInt64>) -> [(id: UInt32, offset: UInt64, length: UInt32)] {
        var found: [(id: UInt32, offset: UInt64, length: UInt32)] = []
        for (id, entry) in index.entries.enumerated() where entry.isLive && slice.contains(entry.offset) {
            found.append((UInt32(id), entry.offset, index.length(of: UInt32(id))))
        }
        found.sort { $0.offset < $1.offset }
        return found
    }
}

/// The records a compaction copied, in copy order: which document, where its version lay in
/// the old file and where it lies in the new one. At the switch a document still at its old
/// offset is re-pointed; one changed since keeps its newer version (copied with the tail).
struct CopiedRecords {
    private(set) var ids: [UInt32] = []
    private(set) var oldOffsets: [UInt64] = []
    private(set) var newOffsets: [UInt64] = []

    var count: Int { ids.count }

    mutating func append(id: UInt32, from old: UInt64, to new: UInt64) {
        ids.append(id)
        oldOffsets.append(old)
        newOffsets.append(new)
    }

    /// Re-points every copied document still at the version that was copied.
    func repoint(_ index: inout StoreIndex) {
        for i in ids.indices {
            let id = Int(ids[i])
            let entry = index.entries[id]
            if entry.isLive && entry.offset == oldOffsets[i] { index.entries[id].offset = newOffsets[i] }
        }
    }
}
