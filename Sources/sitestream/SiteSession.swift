import Foundation
import Site

/// Opens the site a command names for the duration of one operation.
///
/// Today every command opens the site directory itself; while a server holds the site the
/// open fails with the lock holder named (going through the server comes with `serve`).
enum SiteSession {
    static func read<T>(_ options: SiteOptions, _ body: (Site) throws -> T) throws -> T {
        let site = try Site.open(at: try options.layout(), logger: CLILogging.logger())
        defer { try? site.close() }
        return try body(site)
    }

    static func write<T: Sendable>(_ options: SiteOptions, _ body: (SiteTransaction) throws -> T) async throws -> T {
        let site = try Site.open(at: try options.layout(), logger: CLILogging.logger())
        do {
            let value = try await site.write(body)
            try site.close()
            return value
        } catch {
            try? site.close()
            throw error
        }
    }
}
