import EventLog
import SiteStreamJSON

/// A site's tunable settings, kept in `site.json`. Every value has a default so an older file
/// without a newer key still opens.
public struct SiteSettings: Sendable, Equatable {
    /// How the Event Update Log makes appends durable before a write is acknowledged.
    public enum Durability: Sendable, Equatable, CustomStringConvertible {
        /// `fdatasync` before acknowledging each group commit.
        case always
        /// `fdatasync` at least every N milliseconds; a crash may lose the last interval.
        case interval(milliseconds: Int)
        /// Never `fdatasync`; the OS writes back when it likes.
        case none

        public var description: String {
            switch self {
            case .always: "always"
            case .interval(let ms): "interval:\(ms)"
            case .none: "none"
            }
        }

        public init?(_ text: String) {
            switch text {
            case "always": self = .always
            case "none": self = .none
            case "interval": self = .interval(milliseconds: 2)
            default:
                guard text.hasPrefix("interval:"), let ms = Int(text.dropFirst("interval:".count)), ms > 0 else { return nil }
                self = .interval(milliseconds: ms)
            }
        }
    }

    public var durability: Durability = .interval(milliseconds: 2)
    /// A segment is sealed and a new one started past this size.
    public var segmentBytes: Int = 64 << 20
    /// Sealed segments older than this many hours may be removed even if a consumer still needs
    /// them (0: keep until every approved consumer is past them).
    public var retentionHours: Int = 0
    /// Log payloads (documents and diffs) larger than this many bytes are deflated (zlib level
    /// 1) when that makes them smaller; 0 (the default): never. Deflating costs the writer
    /// CPU, about 90 µs of the ~300 µs a 20-row invoice's insert takes on our VM, and saves
    /// disk: that invoice's Create deflates to a sixth. Pull replies are deflated as a whole
    /// either way, so the network carries about the same bytes.
    public var logCompressAbove: Int = 0
    /// Whether the built-in ERP DocTypes are installed (false when `init --doctypes` gave others).
    public var builtinDocTypes = true

    public init() {}

    /// The log's compression threshold for these settings.
    var logCompressionThreshold: Int? { logCompressAbove > 0 ? logCompressAbove : nil }

    /// The log's durability setting for these settings.
    var logDurability: EventLog.Durability {
        switch durability {
        case .always: .always
        case .interval(let ms): .interval(milliseconds: ms)
        case .none: .none
        }
    }

    public var json: JSON {
        [
            "durability": .string(durability.description),
            "segment_bytes": .int(Int64(segmentBytes)),
            "retention_hours": .int(Int64(retentionHours)),
            "log_compress_above": .int(Int64(logCompressAbove)),
            "builtin_doctypes": .bool(builtinDocTypes),
        ]
    }

    public init(json: JSON, file: String) throws {
        guard let o = json.objectValue else { throw SiteError(.corruptSiteFile, "\(file): 'settings' must be an object") }
        if let d = o["durability"] {
            guard let text = d.stringValue, let value = Durability(text) else {
                throw SiteError(.invalidSetting, "\(file): durability must be always, none or interval:MS, got \(d)")
            }
            durability = value
        }
        if let s = o["segment_bytes"] {
            guard let n = s.intValue, n >= 4096 else {
                throw SiteError(.invalidSetting, "\(file): segment_bytes must be an integer ≥ 4096, got \(s)")
            }
            segmentBytes = Int(n)
        }
        if let r = o["retention_hours"] {
            guard let n = r.intValue, n >= 0 else {
                throw SiteError(.invalidSetting, "\(file): retention_hours must be an integer ≥ 0, got \(r)")
            }
            retentionHours = Int(n)
        }
        if let c = o["log_compress_above"] {
            guard let n = c.intValue, n >= 0 else {
                throw SiteError(.invalidSetting, "\(file): log_compress_above must be an integer ≥ 0 (bytes; 0 never deflates), got \(c)")
            }
            logCompressAbove = Int(n)
        }
        if let b = o["builtin_doctypes"] {
            guard let value = b.boolValue else {
                throw SiteError(.invalidSetting, "\(file): builtin_doctypes must be true or false, got \(b)")
            }
            builtinDocTypes = value
        }
    }
}
