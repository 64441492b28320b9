import CoreMetrics

extension EventLog {
    /// When an append is acknowledged, and so what a crash can lose.
    public enum Durability: Sendable, Equatable, CustomStringConvertible {
        /// Acknowledged only after `fdatasync`: a crash after return never loses the entry.
        case always
        /// Acknowledged after the write; `fdatasync` runs at least every `milliseconds`, so a
        /// crash loses at most that window. Readers only see synced entries.
        case interval(milliseconds: Int)
        /// Acknowledged after the write; synced only when a segment is sealed and on close.
        case none

        public var description: String {
            switch self {
            case .always: "always"
            case .interval(let ms): "interval(\(ms) ms)"
            case .none: "none"
            }
        }
    }

    /// Settings of one log; every field has a default.
    public struct Configuration: Sendable {
        /// A segment is sealed and a new one started when the next group (the records of one
        /// append call) would take it past this size. Groups are never split across segments,
        /// so a segment always holds at least one whole group, even one larger than this.
        public var segmentSize: UInt64 = 64 << 20
        /// A segment holding records and older than this is sealed at the next append; nil: never.
        public var segmentMaxAgeSeconds: Double? = 24 * 3600
        public var durability: Durability = .always
        /// One sparse index entry per this many bytes of records.
        public var indexIntervalBytes: Int = 4096
        /// Payloads larger than this are deflated when that makes them smaller; nil: never.
        public var compressionThreshold: Int? = 4096
        /// Create the directory (and the first segment) when it does not exist yet.
        public var createIfMissing: Bool = true
        /// Copy a torn tail to `<segment>.log.cut-<offset>` before truncating it, so no stored
        /// byte is destroyed by recovery.
        public var keepCutTail: Bool = true
        /// Where the log's figures go (entries and bytes appended, fsync latency); nil: nowhere.
        /// The program that serves the site passes its registry's factory; the log never uses
        /// the global `MetricsSystem`.
        public var metrics: (any MetricsFactory)? = nil

        public init(
            segmentSize: UInt64 = 64 << 20, segmentMaxAgeSeconds: Double? = 24 * 3600,
            durability: Durability = .always, indexIntervalBytes: Int = 4096,
            compressionThreshold: Int? = 4096, createIfMissing: Bool = true, keepCutTail: Bool = true
        ) {
            self.segmentSize = segmentSize
            self.segmentMaxAgeSeconds = segmentMaxAgeSeconds
            self.durability = durability
            self.indexIntervalBytes = indexIntervalBytes
            self.compressionThreshold = compressionThreshold
            self.createIfMissing = createIfMissing
            self.keepCutTail = keepCutTail
        }

        func validated() throws -> Configuration {
            guard segmentSize >= 4096, segmentSize <= 1 << 31 else {
                throw EventLogError(.invalidEntry, "segmentSize must be between 4 KiB and 2 GiB (got \(segmentSize))")
            }
            guard indexIntervalBytes >= 64 else {
                throw EventLogError(.invalidEntry, "indexIntervalBytes must be at least 64 (got \(indexIntervalBytes))")
            }
            if case .interval(let ms) = durability, ms < 1 {
                throw EventLogError(.invalidEntry, "durability interval must be at least 1 ms (got \(ms))")
            }
            return self
        }
    }
}
