import EventLog
import Foundation

/// The records an offline import replays, read front to back from files: a bundle's records
/// files (each entry: u64 cursor segment, u64 cursor offset, frame) or copied segment files
/// (a 32-byte header, then frames; the cursor after a frame is its segment's base and the
/// offset after it). Only ever used on files verified before (`BundleImport`), so a defect
/// found here is an error, not a surprise to tolerate.
struct OfflineEntries {
    enum Files {
        case bundle([String])
        case segments([(path: String, base: UInt64)])
    }

    let files: Files
    private var index = 0
    private var reader: ChunkedReader?

    init(_ files: Files) { self.files = files }

    private var count: Int {
        switch files {
        case .bundle(let paths): paths.count
        case .segments(let list): list.count
        }
    }

    mutating func rewind() {
        index = 0
        reader = nil
    }

    /// The next record and the producer's cursor after it; nil after the last.
    mutating func next() throws -> (cursor: LogCursor, frame: [UInt8])? {
        while index < count {
            if reader == nil {
                switch files {
                // Verified before; the pull verifies every frame again as it replays.
                case .bundle(let paths): reader = try ChunkedReader(path: paths[index], checksumming: false)
                case .segments(let list): reader = try ChunkedReader(path: list[index].path, from: 32, checksumming: false)
                }
            }
            let r = reader!
            switch files {
            case .bundle(let paths):
                if try r.ensure(20) {
                    let length = Int(r.u32(at: 16))
                    guard length >= RecordFrame.headerSize, try r.ensure(16 + length) else {
                        throw StreamError(.integrity, "\(paths[index]) ends inside an entry at byte \(r.position)")
                    }
                    let cursor = LogCursor(segment: r.u64(at: 0), offset: r.u64(at: 8))
                    let frame = r.bytes(16..<16 + length)
                    r.consume(16 + length)
                    return (cursor, frame)
                }
                guard r.available == 0 else { throw StreamError(.integrity, "\(paths[index]) ends inside an entry at byte \(r.position)") }
            case .segments(let list):
                if try r.ensure(4) {
                    let length = Int(r.u32(at: 0))
                    guard length >= RecordFrame.headerSize, try r.ensure(length) else {
                        throw StreamError(.integrity, "\(list[index].path) ends inside a record at byte \(r.position)")
                    }
                    let frame = r.bytes(0..<length)
                    r.consume(length)
                    return (LogCursor(segment: list[index].base, offset: UInt64(r.position)), frame)
                }
            }
            index += 1
            reader = nil
        }
        return nil
    }
}
