/// One damaged place found by opening, inspecting or verifying a log.
public struct LogProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A record that fails its checksum, has an impossible length or breaks the sequence.
        case damagedRecord = "damaged-record"
        /// The active segment ends inside a record or inside a group (a torn write; `recover`
        /// truncates it back to the end of the last whole group).
        case tornTail = "torn-tail"
        /// A segment header that is unreadable or disagrees with its file name.
        case damagedHeader = "damaged-header"
        /// Sequence numbers missing between two segments, or after a sealed last segment.
        case missingSegment = "missing-segment"
        /// Bytes after a damaged place that verification skipped to find the next good record.
        case skippedBytes = "skipped-bytes"
    }

    public var kind: Kind
    /// The segment file name.
    public var segmentFile: String
    public var offset: UInt64
    /// The sequence number expected at that place.
    public var sequence: UInt64
    public var reason: String

    public init(kind: Kind, segmentFile: String, offset: UInt64, sequence: UInt64, reason: String) {
        self.kind = kind
        self.segmentFile = segmentFile
        self.offset = offset
        self.sequence = sequence
        self.reason = reason
    }

    public var description: String {
        "\(kind.rawValue): segment \(segmentFile), offset \(offset), sequence \(sequence): \(reason)"
    }

    var error: EventLogError {
        let code: EventLogError.Code = switch kind {
        case .damagedHeader: .corruptSegmentHeader
        case .missingSegment: .missingSegment
        default: .corruptRecord
        }
        return EventLogError(code, reason, segmentFile: segmentFile, offset: offset, sequence: sequence)
    }
}

/// What opening (or `recover`) did to bring the log to a consistent end.
public struct RecoveryReport: Sendable, CustomStringConvertible {
    /// The active segment whose torn tail was cut, if any.
    public var truncatedSegment: String?
    /// The offset it was cut at: the end of the last whole group (the last good record that
    /// ends the records of one append call).
    public var truncatedAt: UInt64?
    public var bytesCut: UInt64 = 0
    /// Why the first cut record was bad.
    public var reason: String?
    /// Where the cut bytes were kept (`keepCutTail`).
    public var cutBytesSavedTo: String?
    /// Index files that were rebuilt from their segments.
    public var rebuiltIndexes: [String] = []
    /// Damage in sealed segments and gaps: never repaired, reported (reads of those ranges fail).
    public var problems: [LogProblem] = []
    public var lastSequence: UInt64 = 0

    public var description: String {
        var lines: [String] = []
        if let truncatedSegment, let truncatedAt {
            lines.append("cut \(bytesCut) bytes from \(truncatedSegment) at offset \(truncatedAt): \(reason ?? "")"
                + (cutBytesSavedTo.map { " (kept in \($0))" } ?? ""))
        } else {
            lines.append("no torn tail")
        }
        if !rebuiltIndexes.isEmpty { lines.append("rebuilt indexes: " + rebuiltIndexes.joined(separator: ", ")) }
        lines += problems.map(\.description)
        lines.append("last sequence \(lastSequence)")
        return lines.joined(separator: "\n")
    }
}
