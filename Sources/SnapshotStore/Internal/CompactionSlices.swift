/// How a compaction lists the live records it copies without holding a list of all of them.
///
/// Why: the list was a point-in-time array of (id, offset, length) for every live document,
/// sorted into a second array, plus the new offsets: 56 bytes a document, about 75 MB for a
/// consumer's 1.3M documents, allocated beside the index whenever a compaction ran in a long
/// catch-up (it set that catch-up's peak memory). Now one pass counts the live records by
/// region of the data file (`slices`), and each slice's records are listed, sorted and copied
/// in turn; what is kept until the switch is `CopiedRecords`, 8 bytes a document.
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

/// The records a compaction copied, in copy order: which document, and how far past the one
/// before its version lies in the new file (new offsets only grow). 8 bytes a record.
///
/// No old offset is kept: nothing is written below the captured end of the old file after
/// the capture, so a document whose entry still lies below it at the switch is at the very
/// version that was copied (a newer version, or a new document on a reused id, lies past it).
struct CopiedRecords {
    private(set) var ids: [UInt32] = []
    private var steps: [UInt32] = []
    private var last: UInt64 = 0

    var count: Int { ids.count }

    mutating func append(id: UInt32, at new: UInt64) {
        precondition(new >= last && new - last <= UInt64(UInt32.max), "compaction: copied records out of order")
        ids.append(id)
        steps.append(UInt32(new - last))
        last = new
    }

    /// Re-points every copied document still at the version that was copied (below
    /// `capturedEnd`, the old file's end when the copy began).
    func repoint(_ index: inout StoreIndex, capturedEnd: UInt64) {
        var offset: UInt64 = 0
        for i in ids.indices {
            offset += UInt64(steps[i])
            let id = Int(ids[i])
            let entry = index.entries[id]
            if entry.isLive && entry.offset < capturedEnd { index.entries[id].offset = offset }
        }
    }
}
