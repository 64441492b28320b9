import Foundation

/// Frappe's timestamp text `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) from microseconds since the epoch.
enum FrappeTime {
    static func text(microseconds: Int64) -> String {
        var t = time_t(microseconds / 1_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(microseconds % 1_000_000))
    }
}
