import SiteStreamCRC

/// The byte layout of one record (docs/formats/eventlog.md), all integers little-endian:
///
///     0  u32 frame length (whole record, this field included)
///     4  u32 crc32 over bytes [0, 4) and [8, length)
///     8  u64 sequence number
///    16  i64 timestamp, microseconds since the Unix epoch
///    24  u8  update type (1 Create, 2 Update, 3 Cancel, 4 Delete)
///    25  u8  flags: bit 0 payload deflated (zlib), bit 1 origin present, bit 2 more records of
///            the same group (append call) follow
///    26  u16 doctype length D
///    28  u16 docname length N
///    30  u16 origin site length S (0 without origin)
///    32  u32 annotations length A
///    36  u32 stored payload length P
///    40  u32 raw payload length R (= P unless deflated)
///    44  u64 origin sequence (0 without origin)
///    52  doctype, docname, origin site (UTF-8), annotations, payload
///
/// `RecordFrame` works on bytes alone, so a consumer across HTTP verifies exactly what the
/// producer's log verified.
public enum RecordFrame {
    /// Bytes before the variable part.
    public static let headerSize = 52
    /// The largest record accepted; anything claiming more is an impossible length.
    public static let maxFrameLength = 1 << 28

    static let flagDeflated: UInt8 = 1
    static let flagOrigin: UInt8 = 2
    /// Set on every record of a group (the entries of one append call, e.g. one site transaction)
    /// but its last: a group whose last record is missing was torn and is cut whole on recovery.
    static let flagMoreInGroup: UInt8 = 4
    static let knownFlags = flagDeflated | flagOrigin | flagMoreInGroup

    /// Facts about one verified frame, without decoding its payload.
    public struct FrameInfo: Sendable, Equatable {
        public var sequence: UInt64
        /// Offset of the frame in the bytes examined.
        public var offset: Int
        public var length: Int
        /// False when more records of the same group (append call) follow this one.
        public var endsGroup: Bool = true
    }

    /// Why bytes are not a valid frame.
    public enum Defect: String, Sendable, Error {
        case short = "short record (the bytes end inside it)"
        case impossibleLength = "impossible length"
        case checksum = "checksum mismatch"
        case badFields = "inconsistent header fields"
    }

    // MARK: Encoding

    /// Appends the frame for `draft` to `buffer` with sequence number and crc left zero; the
    /// writer fills them in with `seal` once it assigns the sequence number. `moreInGroup` marks
    /// every record of an append but its last.
    static func encodeUnsealed(_ draft: EntryDraft, compressionThreshold: Int?, moreInGroup: Bool = false, into buffer: inout [UInt8]) throws {
        let (doctypeCount, docnameCount, siteCount) = try nameLengths(draft)
        var flags: UInt8 = draft.origin == nil ? 0 : flagOrigin
        if moreInGroup { flags |= flagMoreInGroup }
        var stored: [UInt8]? = nil
        if let threshold = compressionThreshold, draft.payload.count > threshold,
           let deflated = Deflate.compress(draft.payload) {
            stored = deflated
            flags |= flagDeflated
        }
        let storedCount = stored?.count ?? draft.payload.count
        let length = headerSize + doctypeCount + docnameCount + siteCount + draft.annotations.count + storedCount
        guard length <= maxFrameLength else {
            throw EventLogError(.invalidEntry, "record of \(length) bytes exceeds the limit of \(maxFrameLength) bytes (\(draft.doctype) \(draft.docname.prefix(64)))")
        }
        buffer.reserveCapacity(buffer.count + length)
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerSize))
        buffer.withUnsafeMutableBytes { raw in
            // Sequence number and crc stay zero until `seal`.
            raw.setU32(UInt32(length), at: start)
            raw.setU64(UInt64(bitPattern: draft.timestamp ?? wallClockMicroseconds()), at: start + 16)
            raw[start + 24] = draft.updateType.rawValue
            raw[start + 25] = flags
            raw.storeBytes(of: UInt16(doctypeCount).littleEndian, toByteOffset: start + 26, as: UInt16.self)
            raw.storeBytes(of: UInt16(docnameCount).littleEndian, toByteOffset: start + 28, as: UInt16.self)
            raw.storeBytes(of: UInt16(siteCount).littleEndian, toByteOffset: start + 30, as: UInt16.self)
            raw.setU32(UInt32(draft.annotations.count), at: start + 32)
            raw.setU32(UInt32(storedCount), at: start + 36)
            raw.setU32(UInt32(draft.payload.count), at: start + 40)
            raw.setU64(draft.origin?.sequence ?? 0, at: start + 44)
        }
        buffer.append(contentsOf: draft.doctype.utf8)
        buffer.append(contentsOf: draft.docname.utf8)
        if let origin = draft.origin { buffer.append(contentsOf: origin.site.utf8) }
        buffer.append(contentsOf: draft.annotations)
        buffer.append(contentsOf: stored ?? draft.payload)
    }

    /// The byte lengths of `draft`'s doctype, docname and origin site; throws when one does
    /// not fit its u16 field.
    private static func nameLengths(_ draft: EntryDraft) throws -> (Int, Int, Int) {
        let doctypeCount = draft.doctype.utf8.count, docnameCount = draft.docname.utf8.count
        let siteCount = draft.origin?.site.utf8.count ?? 0
        guard doctypeCount <= 0xFFFF, docnameCount <= 0xFFFF, siteCount <= 0xFFFF else {
            throw EventLogError(.invalidEntry, "doctype, docname or origin site longer than 65535 bytes (doctype \(draft.doctype.prefix(64)))")
        }
        return (doctypeCount, docnameCount, siteCount)
    }

    /// The most bytes `encodeUnsealed` can make of `draft` (its length with the payload stored
    /// raw: a payload is stored deflated only when that is smaller), after the checks that do
    /// not depend on deflating. When it is within `maxFrameLength`, encoding cannot throw.
    static func lengthBound(_ draft: EntryDraft) throws -> Int {
        let (doctypeCount, docnameCount, siteCount) = try nameLengths(draft)
        return headerSize + doctypeCount + docnameCount + siteCount + draft.annotations.count + draft.payload.count
    }

    /// Writes the sequence number into the frame at `offset` and computes its crc.
    @inline(__always)
    static func seal(_ frame: UnsafeMutableRawBufferPointer, at offset: Int, sequence: UInt64) {
        frame.setU64(sequence, at: offset + 8)
        let raw = UnsafeRawBufferPointer(frame)
        let length = Int(raw.u32(at: offset))
        frame.setU32(checksum(raw, at: offset, length: length), at: offset + 4)
    }

    /// Encodes one complete frame with the given sequence number (tests, bundles, tools);
    /// `moreInGroup` marks it as not the last record of its group.
    public static func encode(_ draft: EntryDraft, sequence: UInt64, compressionThreshold: Int? = nil, moreInGroup: Bool = false) throws -> [UInt8] {
        var buffer: [UInt8] = []
        try encodeUnsealed(draft, compressionThreshold: compressionThreshold, moreInGroup: moreInGroup, into: &buffer)
        buffer.withUnsafeMutableBytes { seal($0, at: 0, sequence: sequence) }
        return buffer
    }

    @inline(__always)
    static func checksum(_ bytes: UnsafeRawBufferPointer, at offset: Int, length: Int) -> UInt32 {
        let head = CRC32.update(0, UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4]))
        return CRC32.update(head, UnsafeRawBufferPointer(rebasing: bytes[offset + 8..<offset + length]))
    }

    // MARK: Checking

    /// Checks the frame starting at `offset` (length, field consistency, crc). Returns its length
    /// or the defect. `available` is how many bytes from `offset` exist.
    static func check(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Result<Int, Defect> {
        let available = bytes.count - offset
        guard available >= 4 else { return .failure(.short) }
        let length = Int(bytes.u32(at: offset))
        guard length >= headerSize, length <= maxFrameLength else { return .failure(.impossibleLength) }
        guard available >= headerSize else { return .failure(.short) }
        let declared = headerSize + Int(bytes.u16(at: offset + 26)) + Int(bytes.u16(at: offset + 28))
            + Int(bytes.u16(at: offset + 30)) + Int(bytes.u32(at: offset + 32)) + Int(bytes.u32(at: offset + 36))
        guard declared == length else { return .failure(.impossibleLength) }
        guard available >= length else { return .failure(.short) }
        guard checksum(bytes, at: offset, length: length) == bytes.u32(at: offset + 4) else { return .failure(.checksum) }
        let flags = bytes[offset + 25]
        guard UpdateType(rawValue: bytes[offset + 24]) != nil, flags & ~knownFlags == 0,
              flags & flagDeflated != 0 || bytes.u32(at: offset + 36) == bytes.u32(at: offset + 40)
        else { return .failure(.badFields) }
        return .success(length)
    }

    /// Whether the frame at `offset` says more records of its group follow (unverified).
    @inline(__always)
    static func continuesGroup(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        bytes[offset + 25] & flagMoreInGroup != 0
    }

    /// The sequence number stored in the frame at `offset` (unverified).
    @inline(__always)
    static func sequence(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        bytes.u64(at: offset + 8)
    }

    // MARK: Decoding

    /// Verifies every frame in `bytes` (whole frames, back to back, sequence numbers contiguous)
    /// without decoding payloads.
    public static func verifyAll(_ bytes: [UInt8]) throws -> [FrameInfo] {
        try bytes.withUnsafeBytes { raw in
            var infos: [FrameInfo] = []
            var offset = 0
            while offset < raw.count {
                switch check(raw, at: offset) {
                case .failure(let defect):
                    throw EventLogError(.invalidFrame, "\(defect.rawValue) in frame \(infos.count) of a batch", offset: UInt64(offset))
                case .success(let length):
                    let seq = sequence(raw, at: offset)
                    if let last = infos.last, seq != last.sequence &+ 1 {
                        throw EventLogError(.invalidFrame, "sequence \(seq) does not follow \(last.sequence) in a batch", offset: UInt64(offset), sequence: seq)
                    }
                    infos.append(FrameInfo(sequence: seq, offset: offset, length: length, endsGroup: !continuesGroup(raw, at: offset)))
                    offset += length
                }
            }
            return infos
        }
    }

    /// Verifies the one frame that `bytes` holds exactly (length, field consistency, crc) where
    /// it lies, without a copy; throws as `verifyAll` does for it.
    public static func verifyOne(_ bytes: UnsafeRawBufferPointer) throws {
        switch check(bytes, at: 0) {
        case .failure(let defect):
            throw EventLogError(.invalidFrame, "\(defect.rawValue) in frame 0 of a batch", offset: 0)
        case .success(let length):
            guard length == bytes.count else {
                throw EventLogError(.invalidFrame, "a frame of \(length) bytes where \(bytes.count) were given", offset: 0)
            }
        }
    }

    /// Decodes every frame in `bytes`, which `check` has accepted one by one already (a batch
    /// `EventLog.read` just returned): frames are found by their lengths, not checked again.
    static func decodeChecked(_ bytes: [UInt8]) throws -> [LogRecord] {
        try bytes.withUnsafeBytes { raw in
            var records: [LogRecord] = []
            var offset = 0
            while offset < raw.count {
                records.append(try decodeVerified(raw, at: offset))
                offset += Int(raw.u32(at: offset))
            }
            return records
        }
    }

    /// Verifies and decodes every frame in `bytes`.
    public static func decodeAll(_ bytes: [UInt8]) throws -> [LogRecord] {
        let infos = try verifyAll(bytes)
        return try bytes.withUnsafeBytes { raw in
            try infos.map { try decodeVerified(raw, at: $0.offset) }
        }
    }

    /// Verifies and decodes the single frame at `offset`; returns it and the offset after it.
    public static func decode(_ bytes: [UInt8], at offset: Int = 0) throws -> (record: LogRecord, next: Int) {
        try bytes.withUnsafeBytes { raw in
            switch check(raw, at: offset) {
            case .failure(let defect):
                throw EventLogError(.invalidFrame, defect.rawValue, offset: UInt64(offset))
            case .success(let length):
                return (try decodeVerified(raw, at: offset), offset + length)
            }
        }
    }

    /// Decodes a frame that `check` accepted.
    static func decodeVerified(_ raw: UnsafeRawBufferPointer, at offset: Int) throws -> LogRecord {
        let flags = raw[offset + 25]
        let d = Int(raw.u16(at: offset + 26)), n = Int(raw.u16(at: offset + 28)), s = Int(raw.u16(at: offset + 30))
        let a = Int(raw.u32(at: offset + 32)), p = Int(raw.u32(at: offset + 36)), r = Int(raw.u32(at: offset + 40))
        var at = offset + headerSize
        func take(_ count: Int) -> UnsafeRawBufferPointer {
            defer { at += count }
            return UnsafeRawBufferPointer(rebasing: raw[at..<at + count])
        }
        let doctype = String(decoding: take(d), as: UTF8.self)
        let docname = String(decoding: take(n), as: UTF8.self)
        let site = String(decoding: take(s), as: UTF8.self)
        let annotations = Array(take(a))
        let stored = take(p)
        let seq = sequence(raw, at: offset)
        let payload: [UInt8]
        if flags & flagDeflated != 0 {
            guard let inflated = Deflate.decompress(stored, rawLength: r) else {
                throw EventLogError(.invalidFrame, "deflated payload does not inflate to its recorded \(r) bytes", offset: UInt64(offset), sequence: seq)
            }
            payload = inflated
        } else {
            payload = Array(stored)
        }
        return LogRecord(
            sequence: seq,
            timestamp: Int64(bitPattern: raw.u64(at: offset + 16)),
            updateType: UpdateType(rawValue: raw[offset + 24])!,
            doctype: doctype, docname: docname,
            origin: flags & flagOrigin != 0 ? Origin(site: site, sequence: raw.u64(at: offset + 44)) : nil,
            annotations: annotations, payload: payload, wasCompressed: flags & flagDeflated != 0)
    }
}
