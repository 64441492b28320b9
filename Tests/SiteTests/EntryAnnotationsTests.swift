import EventLog
import SiteStreamJSON
import Testing

@testable import Site

/// `EntryAnnotations.encoded` writes its bytes by hand; they must be the compact JSON of the
/// same object, which `init(decoding:)` reads back to the same annotations.
@Suite struct EntryAnnotationsTests {
    /// The object the encoding stands for, built the general way.
    static func reference(_ a: EntryAnnotations) -> [UInt8] {
        guard !a.isEmpty else { return [] }
        var o = JSONObject()
        if let m = a.modified { o["modified"] = .string(m) }
        if let m = a.modifiedBy { o["modified_by"] = .string(m) }
        if !a.series.isEmpty {
            var s = JSONObject()
            for key in a.series.keys.sorted() { s[key] = .int(Int64(a.series[key]!)) }
            o["series"] = .object(s)
        }
        if let r = a.replica { o["replica"] = r.json }
        if let s = a.stream { o["stream"] = s.json }
        return JSON.object(o).serialized()
    }

    static var samples: [EntryAnnotations] {
        var all: [EntryAnnotations] = [EntryAnnotations()]
        var a = EntryAnnotations()
        a.series = ["ACC-GLE-2026-": 42]
        all.append(a)
        a.series = ["SINV-2026-": 7, "ACC-GLE-2026-": 1_000_000, "\"quoted\"\\ and\ttab\u{1}": 3, "Ünïcödé-": 0]
        all.append(a)
        a.modified = "2026-12-07 16:40:00.123456"
        a.modifiedBy = "jane@example.com \"the\" admin\n"
        all.append(a)
        var b = EntryAnnotations()
        b.modified = "2026-12-07 16:40:00.123456"
        all.append(b)
        b.replica = ReplicaMark(producer: "site-a", sequence: 99, remoteName: "CUST-\"1\"")
        b.stream = StreamMark(producer: "site-a", sequence: 99, cursor: LogCursor(segment: 1, offset: 4096), outcome: .synced)
        all.append(b)
        return all
    }

    @Test func encodesTheCompactJSONOfTheSameObject() throws {
        for a in Self.samples {
            let bytes = a.encoded()
            #expect(bytes == Self.reference(a), "\(String(decoding: bytes, as: UTF8.self))")
            #expect(try EntryAnnotations(decoding: bytes) == a)
        }
    }

    @Test func appendStringWritesWhatTheSerializerWrites() {
        for text in ["", "plain", "\"\\", "line\nbreak\r\t\u{8}\u{C}", "\u{0}\u{1F}", "ünï ✓ 🚀", String(repeating: "long text with \"quotes\" ", count: 400)] {
            var out: [UInt8] = Array("x".utf8)
            JSON.appendString(text, to: &out)
            #expect(out == Array("x".utf8) + JSON.string(text).serialized())
        }
    }

    /// `adding(replica:stream:to:)` appends the marks to the text it is given; its bytes must
    /// be those of the decoded annotations with the marks set, encoded again, including for
    /// annotations whose text names a mark already (which take the decoding path).
    @Test func addingMarksGivesTheBytesOfTheAnnotationsWithThem() throws {
        let replica = ReplicaMark(producer: "site-b", sequence: 12, remoteName: "INV-\"7\"")
        let stream = StreamMark(producer: "site-b", sequence: 12, cursor: LogCursor(segment: 3, offset: 512), outcome: .synced, count: 5)
        var named = EntryAnnotations()
        named.modifiedBy = "stream"
        var marked = EntryAnnotations()
        marked.series = ["\"replica\"": 1]
        marked.replica = ReplicaMark(producer: "old", sequence: 1, remoteName: "x")
        for base in Self.samples + [named, marked] {
            for (r, s) in [(replica, nil), (nil, stream), (replica, stream)] as [(ReplicaMark?, StreamMark?)] {
                var expected = base
                if let r { expected.replica = r }
                if let s { expected.stream = s }
                let bytes = try EntryAnnotations.adding(replica: r, stream: s, to: base.encoded())
                #expect(bytes == expected.encoded(), "\(String(decoding: bytes, as: UTF8.self))")
                #expect(try EntryAnnotations(decoding: bytes) == expected)
            }
            #expect(try EntryAnnotations.adding(replica: nil, stream: nil, to: base.encoded()) == base.encoded())
        }
    }

    /// The replication marks' text written by hand is the serializer's text of their objects.
    @Test func replicationMarksWrittenByHandAreTheSerializersText() throws {
        for (producer, sequence, remote) in [("site-a", UInt64(1), "CUST-1"), ("s\"é\\", UInt64(Int64.max), "name with \"quotes\" and \n"),
                                             ("", UInt64.max, "")] {
            let mark = ReplicaMark(producer: producer, sequence: sequence, remoteName: remote)
            var out: [UInt8] = []
            mark.appendJSON(to: &out)
            #expect(out == mark.json.serialized(), "\(String(decoding: out, as: UTF8.self))")
            #expect(ReplicaMark(json: try JSON(parsing: out)) == mark)
        }
        var fold = ReplicationFold(reading: { _ in nil })
        var annotations = EntryAnnotations()
        annotations.replica = ReplicaMark(producer: "p", sequence: 42, remoteName: "X")
        try fold.fold(doctype: "Customer", origin: nil, annotations)
        guard case .put(_, let document, _)? = fold.changes().first else { Issue.record("no replica change"); return }
        #expect(document == JSON.object(["seq": .int(42)]).serialized())
        #expect(try ReplicationFold.replicaSequence(document) == 42)
    }
}
