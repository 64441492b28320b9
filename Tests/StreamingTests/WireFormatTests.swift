import EventLog
import Streaming
import Testing

@Suite("Wire formats")
struct WireFormatTests {
    static func sampleReply(records: Int, payloadBytes: Int) throws -> UpdatesReply {
        var entries: [UpdateEntry] = []
        for i in 0..<records {
            let payload = Array("{\"customer_name\":\"C\(i)\",\"notes\":\"\(String(repeating: "x", count: payloadBytes))\"}".utf8)
            let frame = try RecordFrame.encode(EntryDraft(timestamp: 1_700_000_000_000_000 + Int64(i), updateType: .create, doctype: "Customer",
                                                          docname: "C\(i)", origin: i % 2 == 0 ? Origin(site: "a", sequence: UInt64(i)) : nil,
                                                          annotations: [], payload: payload),
                                               sequence: UInt64(10 + 2 * i))
            entries.append(UpdateEntry(cursor: LogCursor(segment: 1, offset: UInt64(100 + 1000 * i)), frame: frame))
        }
        return UpdatesReply(next: LogCursor(segment: 1, offset: 99_999), caughtUp: true, lastSequence: 500,
                            statuses: [DocTypeRegistration(doctype: "Customer", status: .approved)], entries: entries)
    }

    @Test("an updates reply round-trips, plain and deflated", arguments: [false, true])
    func roundTrip(deflate: Bool) throws {
        let reply = try Self.sampleReply(records: 20, payloadBytes: 400)
        let bytes = reply.encoded(deflate: deflate)
        #expect((bytes[5] & 1 == 1) == deflate)
        let (decoded, records) = try UpdatesReply.decodeVerified(bytes)
        #expect(decoded == reply)
        #expect(records.map(\.docname) == (0..<20).map { "C\($0)" })
        #expect(records[0].origin == Origin(site: "a", sequence: 0))
    }

    /// A flipped byte is refused, or (only for bits zlib ignores, such as the padding after the
    /// last deflate block) decodes to exactly the reply that was sent: wrong data is never accepted.
    @Test("every flipped byte of an updates reply is caught or harmless", arguments: [false, true])
    func everyFlipIsCaught(deflate: Bool) throws {
        let reply = try Self.sampleReply(records: 3, payloadBytes: deflate ? 3000 : 20)
        let bytes = reply.encoded(deflate: deflate)
        var harmless = 0
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0x01
            do {
                let (decoded, _) = try UpdatesReply.decodeVerified(damaged)
                #expect(decoded == reply, "flip at byte \(offset) of \(bytes.count) was accepted with different content")
                harmless += 1
            } catch let error as StreamError {
                #expect(error.code == .integrity)
            }
        }
        if !deflate { #expect(harmless == 0) }
    }

    @Test("a truncated updates reply is refused at every length")
    func truncation() throws {
        let bytes = try Self.sampleReply(records: 3, payloadBytes: 20).encoded()
        for length in 0..<bytes.count {
            #expect(throws: StreamError.self) { _ = try UpdatesReply.decodeVerified(Array(bytes[0..<length])) }
        }
    }

    @Test("register and documents messages round-trip; bad ones are refused naming the field")
    func controlMessages() throws {
        let request = RegisterRequest(consumerName: "branch-1", consumerID: "id-1", callbackURL: nil, notifyToken: "t",
                                      doctypes: [DocTypeRegistration(doctype: "Customer", condition: "doc.x == 1")])
        #expect(try RegisterRequest(decoding: request.encoded()) == request)
        let reply = RegisterReply(producerName: "p", producerID: "pid", consumer: "branch-1", startCursor: LogCursor(segment: 1, offset: 32),
                                  lastSequence: 7, doctypes: [DocTypeRegistration(doctype: "Customer", status: .rejected)])
        #expect(try RegisterReply(decoding: reply.encoded()) == reply)
        let bad: [(String, String)] = [
            (#"{"consumer_id": "x", "notify_token": "t", "doctypes": [{"ref_doctype": "Customer"}]}"#, "consumer_name"),
            (#"{"consumer_name": "a", "consumer_id": "x", "notify_token": "t", "doctypes": []}"#, "doctypes"),
            (#"{"consumer_name": "a", "consumer_id": "x", "notify_token": "t", "doctypes": [{"ref_doctype": 3}]}"#, "ref_doctype"),
            (#"[1]"#, "object"),
        ]
        for (text, field) in bad {
            let error = #expect(throws: StreamError.self) { try RegisterRequest(decoding: Array(text.utf8)) }
            #expect(error?.code == .invalidRequest)
            #expect(error?.message.contains(field) == true, "\(error?.message ?? "") does not name \(field)")
        }
        let tooMany = DocumentsRequest(consumer: "c", keys: (0...DocumentsRequest.maxDocuments).map { .init(doctype: "Item", name: "\($0)") })
        #expect(throws: StreamError.self) { try DocumentsRequest(decoding: tooMany.encoded()) }
    }
}
