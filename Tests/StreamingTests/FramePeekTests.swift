import EventLog
@testable import Streaming
import Testing

/// `FramePeek` reads a frame's header fields where they lie, for every frame a producer reads.
struct FramePeekTests {
    static func frame(doctype: String, docname: String, origin: Origin?, sequence: UInt64) throws -> [UInt8] {
        try RecordFrame.encode(EntryDraft(timestamp: 1_700_000_000_123_456, updateType: .update, doctype: doctype, docname: docname,
                                          origin: origin, payload: Array(#"{"a":1}"#.utf8)), sequence: sequence)
    }

    @Test("the header's fields are read as the frame holds them, at any offset, with and without an origin")
    func readsFields() throws {
        let first = try Self.frame(doctype: "Sales Invoice Item", docname: "ACC-SINV-2026-000017 ünïcode", origin: nil, sequence: 41)
        let second = try Self.frame(doctype: "Customer", docname: "C", origin: Origin(site: "head-office-site-id", sequence: 9), sequence: 1 << 40)
        let bytes = first + second
        let a = try #require(FramePeek(bytes, at: 0))
        #expect(a.length == first.count)
        #expect((a.sequence, a.timestamp, a.updateType) == (41, 1_700_000_000_123_456, UpdateType.update.rawValue))
        #expect((a.doctype, a.docname, a.originSite) == ("Sales Invoice Item", "ACC-SINV-2026-000017 ünïcode", nil))
        let b = try #require(FramePeek(bytes, at: first.count))
        #expect((b.length, b.sequence) == (second.count, 1 << 40))
        #expect((b.doctype, b.docname, b.originSite) == ("Customer", "C", "head-office-site-id"))
        // The same as the log's own decoding.
        let decoded = try RecordFrame.decode(second).record
        #expect((decoded.doctype, decoded.docname, decoded.origin?.site) == (b.doctype, b.docname, b.originSite))
    }

    @Test("bytes that cannot be a frame give nil: short, a length past the end, names longer than the frame")
    func refusesWhatIsNoFrame() throws {
        let frame = try Self.frame(doctype: "Customer", docname: "Acme", origin: nil, sequence: 1)
        #expect(FramePeek(Array(frame.prefix(FramePeek.headerSize - 1)), at: 0) == nil)
        #expect(FramePeek(frame, at: frame.count) == nil)
        #expect(FramePeek(Array(frame.dropLast()), at: 0) == nil, "the stated length runs past the bytes")
        var long = frame
        long[26] = 0xFF; long[27] = 0x7F  // a DocType name longer than the frame
        #expect(FramePeek(long, at: 0) == nil)
        var short = frame
        short[0] = UInt8(FramePeek.headerSize - 1); short[1] = 0; short[2] = 0; short[3] = 0
        #expect(FramePeek(short, at: 0) == nil, "a length below the header's size")
    }
}
