import Foundation
import Site

/// The settings of the sites the harness creates: the defaults, with durability `interval:2`,
/// and `SITESTREAM_LOG_COMPRESS_ABOVE=N` (bytes; 0 never deflates) for A/B runs of the log's
/// payload compression (`SiteSettings.logCompressAbove`).
enum BenchSiteSettings {
    static func make() -> SiteSettings {
        var settings = SiteSettings()
        settings.durability = .interval(milliseconds: 2)
        if let above = compressAbove { settings.logCompressAbove = above }
        return settings
    }

    static var compressAbove: Int? {
        ProcessInfo.processInfo.environment["SITESTREAM_LOG_COMPRESS_ABOVE"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// The same for a site made by `sitestream init`.
    static var initArguments: [String] {
        compressAbove.map { ["--log-compress-above", String($0)] } ?? []
    }
}
