import EventLog
import SiteStreamJSON

/// The binary form of an updates reply (all integers little-endian):
///
///     0  4 bytes magic "SSUP"
///     4  u8  version (1)
///     5  u8  flags: bit 0 body deflated (zlib)
///     6  u16 reserved (0)
///     8  u32 meta length M
///    12  u32 body raw length R
///    16  u32 body stored length P (= R unless deflated)
///    20  u32 crc32 over the meta bytes then the raw body
///    24  meta: JSON {"next": "SEG:OFF", "caught_up": true, "last_sequence": N, "entries": K,
///                    "statuses": [{"ref_doctype": "Customer", "status": "Approved"}]}
///  24+M  body (P bytes stored): K entries, each u64 cursor segment, u64 cursor offset, then the
///        record's frame exactly as in the producer's log (its own length and crc first)
extension UpdatesReply {
    static let magic: [UInt8] = Array("SSUP".utf8)
    static let version: UInt8 = 1
    static let headerSize = 24
    /// Bodies at least this large are deflated when that saves an eighth or more.
    public static let deflateThreshold = 4096

    /// The reply's bytes; the body is deflated when `deflate` is true and it pays.
    public func encoded(deflate: Bool = true) -> [UInt8] {
        let meta = JSON.object([
            "next": .string(next.description), "caught_up": .bool(caughtUp), "last_sequence": .int(Int64(lastSequence)),
            "entries": .int(Int64(entries.count)),
            "statuses": .array(statuses.map { ["ref_doctype": .string($0.doctype), "status": .string($0.status.rawValue)] }),
        ]).serialized()
        var body: [UInt8] = []
        body.reserveCapacity(frameBytes + entries.count * 16)
        for entry in entries {
            body.appendU64(entry.cursor.segment)
            body.appendU64(entry.cursor.offset)
            body.append(contentsOf: entry.frame)
        }
        var flags: UInt8 = 0
        var stored = body
        if deflate, body.count >= Self.deflateThreshold, let packed = Deflate.compress(body), packed.count <= body.count - body.count / 8 {
            stored = packed
            flags |= 1
        }
        var out: [UInt8] = Self.magic
        out.reserveCapacity(Self.headerSize + meta.count + stored.count)
        out.append(Self.version)
        out.append(flags)
        out.appendU16(0)
        out.appendU32(UInt32(meta.count))
        out.appendU32(UInt32(body.count))
        out.appendU32(UInt32(stored.count))
        out.appendU32(Checksum.crc32(meta, body))
        out.append(contentsOf: meta)
        out.append(contentsOf: stored)
        return out
    }

    /// Parses and verifies a reply: header, lengths, the crc over meta and body, every frame's
    /// own crc and header, sequence numbers strictly increasing, cursors strictly increasing,
    /// and the entry count. Returns the reply and its records decoded. Throws `.integrity`
    /// naming the byte offset for anything wrong; nothing is half-accepted.
    public static func decodeVerified(_ bytes: [UInt8]) throws -> (reply: UpdatesReply, records: [LogRecord]) {
        func fail(_ message: String, at offset: Int) -> StreamError {
            StreamError(.integrity, "updates reply: \(message) (byte \(offset))", offset: offset)
        }
        guard bytes.count >= headerSize else { throw fail("\(bytes.count) bytes is shorter than the \(headerSize)-byte header", at: 0) }
        guard Array(bytes[0..<4]) == magic else { throw fail("bad magic (not an updates reply)", at: 0) }
        guard bytes[4] == version else { throw fail("unsupported version \(bytes[4]); this build reads \(version)", at: 4) }
        let flags = bytes[5]
        guard flags & ~1 == 0 else { throw fail("unknown flags \(flags)", at: 5) }
        guard bytes.u16(at: 6) == 0 else { throw fail("reserved bytes are not zero", at: 6) }
        let m = Int(bytes.u32(at: 8)), r = Int(bytes.u32(at: 12)), p = Int(bytes.u32(at: 16))
        guard headerSize + m + p == bytes.count, flags & 1 != 0 || p == r else {
            throw fail("lengths (meta \(m), body \(r)/\(p)) do not match the \(bytes.count) bytes received", at: 8)
        }
        let meta = Array(bytes[headerSize..<headerSize + m])
        let body: [UInt8]
        if flags & 1 != 0 {
            guard let inflated = Deflate.decompress(bytes[(headerSize + m)...], rawLength: r) else {
                throw fail("the deflated body does not inflate to its \(r) bytes", at: headerSize + m)
            }
            body = inflated
        } else {
            body = Array(bytes[(headerSize + m)...])
        }
        guard Checksum.crc32(meta, body) == bytes.u32(at: 20) else { throw fail("checksum mismatch over meta and body", at: 20) }

        let json: JSON
        do { json = try JSON(parsing: meta) } catch { throw fail("meta is not JSON: \(error)", at: headerSize) }
        let r0 = WireReader(json.objectValue ?? [:], message: "updates reply meta")
        guard let next = LogCursor(string: try r0.string("next")) else { throw fail("'next' is not a cursor", at: headerSize) }
        let count = Int(try r0.uint("entries"))
        let statuses = try r0.objects("statuses").map { row -> DocTypeRegistration in
            let text = try row.string("status")
            guard let status = DocTypeRegistration.Status(rawValue: text) else { throw fail("bad status \(text)", at: headerSize) }
            return DocTypeRegistration(doctype: try row.string("ref_doctype"), status: status)
        }

        var entries: [UpdateEntry] = []
        var records: [LogRecord] = []
        entries.reserveCapacity(count)
        records.reserveCapacity(count)
        var at = 0
        while at < body.count {
            let place = headerSize + m + at
            guard body.count - at >= 16 + RecordFrame.headerSize else { throw fail("entry \(entries.count) is cut short", at: place) }
            let cursor = LogCursor(segment: body.u64(at: at), offset: body.u64(at: at + 8))
            let record: LogRecord
            let end: Int
            do {
                (record, end) = try RecordFrame.decode(body, at: at + 16)
            } catch {
                throw fail("entry \(entries.count): \(error)", at: place + 16)
            }
            if let last = records.last, record.sequence <= last.sequence {
                throw fail("entry \(entries.count): sequence \(record.sequence) does not follow \(last.sequence)", at: place + 16)
            }
            if let last = entries.last, cursor <= last.cursor {
                throw fail("entry \(entries.count): cursor \(cursor) does not follow \(last.cursor)", at: place)
            }
            entries.append(UpdateEntry(cursor: cursor, frame: Array(body[(at + 16)..<end])))
            records.append(record)
            at = end
        }
        guard entries.count == count else { throw fail("\(entries.count) entries where the meta says \(count)", at: headerSize) }
        if let last = entries.last, next < last.cursor { throw fail("'next' \(next) is before the last entry's cursor \(last.cursor)", at: headerSize) }
        let caughtUp = json["caught_up"]?.boolValue ?? false
        let reply = UpdatesReply(next: next, caughtUp: caughtUp, lastSequence: try r0.uint("last_sequence"), statuses: statuses, entries: entries)
        return (reply, records)
    }
}
