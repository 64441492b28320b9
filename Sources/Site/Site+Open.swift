import DocumentModel
import EventLog
import Foundation
import Logging
import CoreMetrics
import SiteStreamJSON
import SnapshotStore
import SystemPackage

extension Site {
    /// Creates a new site directory: `site.json`, the DocTypes (`doctypeFiles` are copied into
    /// `doctypes/`; the built-in ERP set is used unless `builtins` is false), an empty log and
    /// store, and the `Administrator` and `Guest` users. Refuses a directory that already
    /// holds a site.
    @discardableResult
    public static func create(at layout: SiteLayout, name: String, url: String?, builtins: Bool = true,
                              doctypeFiles: [URL] = [], settings: SiteSettings = SiteSettings(),
                              logger: Logger = Logger(label: "sitestream.site")) async throws -> SiteIdentity {
        guard !name.isEmpty, !name.contains("/"), name.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
            throw SiteError(.invalidInput, "a site name must be non-empty, without '/' or control characters; got '\(name)'")
        }
        if layout.exists {
            throw SiteError(.alreadyExists, "\(layout.root.path) already holds a site (\(layout.identityFile.lastPathComponent) exists)")
        }
        let fm = FileManager.default
        try fm.createDirectory(at: layout.root, withIntermediateDirectories: true)
        try fm.createDirectory(at: layout.doctypesDirectory, withIntermediateDirectories: true)
        for file in doctypeFiles {
            let bytes = try DurableFile.read(file.path)
            do { _ = try JSON(parsing: bytes) } catch {
                throw SiteError(.invalidInput, "DocType file \(file.path) is not valid JSON: \(error)")
            }
            try DurableFile.replace(layout.doctypesDirectory.appendingPathComponent(file.lastPathComponent).path, with: bytes)
        }
        var settings = settings
        settings.builtinDocTypes = builtins
        let identity = SiteIdentity(name: name, url: url, settings: settings)
        // Check the DocTypes load before the site exists, so a bad file leaves no half site.
        _ = try SchemaLoader.load(layout: layout, builtins: builtins)
        try DurableFile.replace(layout.identityFile.path, with: identity.json.serialized(pretty: true))
        // Opening adds the system users and roles.
        let site = try open(at: layout, logger: logger)
        try site.close()
        return identity
    }

    /// Opens an existing site, recovering the log's torn tail and levelling the store with the
    /// log (folding what the store has not seen; rebuilding it if it is ahead of the log).
    /// `metrics` receives the log's figures (see `EventLog.Configuration.metrics`); `store`
    /// tunes the snapshot store (tests move index terms to its term file at every snapshot).
    public static func open(at layout: SiteLayout, controllers: ControllerRegistry = .erp,
                            metrics: (any MetricsFactory)? = nil, store storeConfiguration: SnapshotStore.Configuration = .init(),
                            logger: Logger = Logger(label: "sitestream.site")) throws -> Site {
        guard layout.exists else {
            throw SiteError(.notASite, "no site at \(layout.root.path) (no site.json); create one with `sitestream init --site \(layout.root.path) --name NAME`")
        }
        let lock = try SiteLock(directory: layout.root)
        do {
            let identity = try SiteIdentity(json: try JSON(parsing: try DurableFile.read(layout.identityFile.path)),
                                            file: layout.identityFile.path)
            let (schema, warnings) = try SchemaLoader.load(layout: layout, builtins: identity.settings.builtinDocTypes)
            for warning in warnings { logger.warning("\(warning)") }
            var configuration = EventLog.Configuration()
            configuration.durability = identity.settings.logDurability
            configuration.segmentSize = UInt64(identity.settings.segmentBytes)
            configuration.compressionThreshold = identity.settings.logCompressionThreshold
            configuration.metrics = metrics
            removeDiscardedStores(layout: layout, logger: logger)
            let log = try EventLog(directory: layout.logDirectory.path, configuration: configuration, logger: logger)
            var store = try SnapshotStore(directory: FilePath(layout.storeDirectory.path), configuration: storeConfiguration, logger: logger)
            if store.lastAppliedSequence > log.lastSequence {
                logger.warning("snapshot store is ahead of the log (store \(store.lastAppliedSequence), log \(log.lastSequence)); rebuilding it from the log")
                store = try rebuildStore(layout: layout, replacing: store, configuration: storeConfiguration, logger: logger)
            }
            try Leveler(log: log, store: store, schema: schema, logger: logger).level()
            let series = try Leveler.loadSeries(from: store)
            let site = Site(layout: layout, identity: identity, schema: schema, warnings: warnings, controllers: controllers,
                            log: log, store: store, lock: lock, series: series, logger: logger)
            // A site created by a process that died before its first write completed lacks
            // them; adding them here makes `create` safe to interrupt.
            if !site.exists(SystemDocTypes.user, SystemDocTypes.administrator) || !site.exists(SystemDocTypes.user, SystemDocTypes.guest) {
                do {
                    try site.ensureSystemDocuments()
                } catch {
                    try? site.log.close()
                    try? site.store.close()
                    throw error
                }
            }
            return site
        } catch {
            lock.release()
            throw error
        }
    }

    /// Removes the store and opens an empty one; the caller folds the whole log into it.
    ///
    /// The old store is first renamed aside (one atomic `rename`), then deleted: a crash while
    /// deleting its files can never leave a half-deleted store under `store/`.
    static func rebuildStore(layout: SiteLayout, replacing store: SnapshotStore, configuration: SnapshotStore.Configuration,
                             logger: Logger) throws -> SnapshotStore {
        try store.close()
        let aside = layout.root.appendingPathComponent("store.discarded-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: aside)
        try FileManager.default.moveItem(at: layout.storeDirectory, to: aside)
        try DurableFile.syncDirectory(containing: layout.storeDirectory.path)
        try FileManager.default.removeItem(at: aside)
        return try SnapshotStore(directory: FilePath(layout.storeDirectory.path), configuration: configuration, logger: logger)
    }

    /// Deletes stores an interrupted rebuild renamed aside.
    static func removeDiscardedStores(layout: SiteLayout, logger: Logger) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.root.path)) ?? []
        for name in names where name.hasPrefix("store.discarded-") {
            logger.info("removing \(name), left by an interrupted store rebuild")
            try? FileManager.default.removeItem(at: layout.root.appendingPathComponent(name))
        }
    }

    /// The users and roles every site has (`Administrator`, `Guest`), created if missing.
    func ensureSystemDocuments() throws {
        try writeSynchronously(as: SystemDocTypes.administrator) { tx in
            for role in ["Administrator", "System Manager", "Guest", "All"] where !tx.exists(SystemDocTypes.role, role) {
                try tx.insert(Document(doctype: SystemDocTypes.role, name: role, ["role_name": .string(role)]), keepingName: true)
            }
            let users: [(String, String, String)] = [
                (SystemDocTypes.administrator, "admin@localhost", "Administrator"),
                (SystemDocTypes.guest, "guest@localhost", "Guest"),
            ]
            for (name, email, role) in users where !tx.exists(SystemDocTypes.user, name) {
                try tx.insert(Document(doctype: SystemDocTypes.user, name: name, [
                    "email": .string(email), "first_name": .string(name), "full_name": .string(name), "enabled": 1,
                    "roles": [["role": .string(role)]],
                ]), keepingName: true)
            }
        }
    }
}
