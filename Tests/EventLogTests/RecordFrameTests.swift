import Testing
@testable import EventLog

@Suite struct RecordFrameTests {
    @Test(arguments: [0, 1, 5, 10, 15, 20, 199, 201, 5000])
    func encodeThenDecodeGivesTheEntryBack(key: Int) throws {
        let d = draft(key, payloadSize: key == 5000 ? 5000 : nil)
        let frame = try RecordFrame.encode(d, sequence: 42, compressionThreshold: 200)
        let (record, next) = try RecordFrame.decode(frame)
        #expect(next == frame.count)
        #expect(record.sequence == 42)
        #expect(matches(record, key: key, payloadSize: key == 5000 ? 5000 : nil))
        // Compressible payloads over the threshold are stored deflated; noise is not.
        if d.payload.count > 200 && key % 3 == 0 { #expect(record.wasCompressed) }
        if key % 3 != 0 { #expect(!record.wasCompressed) }
    }

    @Test func everyFlippedByteIsDetected() throws {
        let frame = try RecordFrame.encode(draft(10), sequence: 7)
        for offset in 0..<frame.count {
            var damaged = frame
            damaged[offset] ^= 0x40
            #expect(throws: EventLogError.self, "flip at \(offset)") { try RecordFrame.decode(damaged) }
        }
    }

    @Test func batchesMustBeContiguousAndWhole() throws {
        let a = try RecordFrame.encode(draft(1), sequence: 1)
        let b = try RecordFrame.encode(draft(2), sequence: 2)
        let c = try RecordFrame.encode(draft(3), sequence: 4)
        #expect(try RecordFrame.verifyAll(a + b).map(\.sequence) == [1, 2])
        #expect(throws: EventLogError.self) { try RecordFrame.verifyAll(a + c) }
        #expect(throws: EventLogError.self) { try RecordFrame.verifyAll(a + b.dropLast()) }
        #expect(try RecordFrame.verifyAll([]).isEmpty)
    }

    @Test func oversizedNamesAreRefused() {
        let d = EntryDraft(updateType: .create, doctype: String(repeating: "x", count: 70_000), docname: "a", payload: [])
        #expect(throws: EventLogError.self) { try RecordFrame.encode(d, sequence: 1) }
    }

    @Test(arguments: ["1:32", "00000000000000000001:4096", "18446744073709551615:0"])
    func cursorStringsRoundTrip(text: String) throws {
        let cursor = try #require(LogCursor(string: text))
        #expect(LogCursor(string: cursor.description) == cursor)
    }

    @Test(arguments: ["", ":", "1:", ":5", "1:2:3", "-1:5", "1: 5", "a:b", "18446744073709551616:0", "+1:2"])
    func badCursorStringsAreRefused(text: String) {
        #expect(LogCursor(string: text) == nil)
    }
}
