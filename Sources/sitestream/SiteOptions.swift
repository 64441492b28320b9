import ArgumentParser
import Foundation
import Site

/// `--site DIR` (or `SITESTREAM_SITE`) and `--json`, shared by every command that works on a site.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The site directory (default: $SITESTREAM_SITE).", valueName: "DIR"))
    var site: String?

    @Flag(help: "Machine-readable output.")
    var json = false

    @Option(name: .customLong("log-level"), help: ArgumentHelp("\(CLILogging.levels) (default: warning; serve: info).", valueName: "LEVEL"))
    var logLevel: String?

    func validate() throws { try CLILogging.apply(logLevel) }

    /// The site directory from `--site` or the environment, or a usage error naming both.
    func layout() throws -> SiteLayout {
        if let site, !site.isEmpty { return SiteLayout(path: site) }
        if let env = ProcessInfo.processInfo.environment["SITESTREAM_SITE"], !env.isEmpty {
            return SiteLayout(path: env)
        }
        throw ValidationError("no site given: pass --site DIR or set SITESTREAM_SITE")
    }
}
