import Foundation

/// Where a site keeps what: one directory, described byte by byte in docs/formats/site.md.
///
/// ```
/// site.json        identity (id, name, url) and settings
/// site.lock        flock'ed by the process that has the site open
/// doctypes/        DocType JSON files the user added (Frappe's export shape)
/// log/             the Event Update Log (EventLog)
/// store/           the snapshot store (SnapshotStore); naming-series counters under __meta/series
/// ```
public struct SiteLayout: Sendable, Equatable {
    public var root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public init(path: String) {
        self.init(root: URL(fileURLWithPath: path, isDirectory: true))
    }

    public var identityFile: URL { root.appendingPathComponent("site.json") }
    public var doctypesDirectory: URL { root.appendingPathComponent("doctypes", isDirectory: true) }
    public var logDirectory: URL { root.appendingPathComponent("log", isDirectory: true) }
    public var storeDirectory: URL { root.appendingPathComponent("store", isDirectory: true) }

    /// True when `root` holds a site (its identity file exists).
    public var exists: Bool { FileManager.default.fileExists(atPath: identityFile.path) }
}
