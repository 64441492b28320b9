import ArgumentParser
import Foundation
import Logging
import Site
import SiteServer
import Streaming

/// `sitestream serve --site DIR [--host 127.0.0.1] [--port 8000]`: the REST API until SIGINT or
/// SIGTERM, then a clean shutdown (requests in flight finish, the log is made durable, exit 0).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the site: REST and streaming API, pings to consumers, background pulls from producers."
    )

    @OptionGroup var options: SiteOptions

    @Option(help: "Address to bind (127.0.0.1 unless you mean to expose the site).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port; the chosen one is printed).")
    var port = 8000

    func validate() throws {
        // A server logs at info unless told otherwise (SiteOptions applied --log-level).
        CLILogging.setDefault(.info)
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
    }

    func run() async throws {
        let layout = try options.layout()
        var logger = Logger(label: "sitestream.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = CLILogging.level
        let metrics = SiteMetrics()
        let site = try Site.open(at: layout, controllers: .sitestream, metrics: metrics.factory, logger: logger)
        let local = APIKeyPair.generate()
        var backend = SiteDocumentBackend(site: site)
        backend.processCredentials[local.apiKey] = (local.secretHash(), SiteUser(name: "Administrator", isLocalProcess: true))
        var configuration = SiteServerConfiguration()
        configuration.host = host
        configuration.port = port
        let served = ServedSite(site: site, metrics: metrics, logger: logger)
        let siteName = site.identity.name
        let host = self.host
        let serverLogger = logger
        let started: @Sendable (Int) async -> Void = { boundPort in
            let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(boundPort)"
            do {
                try ServerFile(url: url, pid: getpid(), apiKey: local.apiKey, apiSecret: local.apiSecret).write(to: layout)
            } catch {
                serverLogger.error("cannot write server.json: \(error); the command line will not find this server")
            }
            FileHandle.standardOutput.write(Data("serving site \(siteName) at \(url) (Ctrl-C to stop)\n".utf8))
        }
        do {
            try await served.run(configuration: configuration, backend: backend, handleSignals: true, onServerRunning: started)
        } catch {
            ServerFile.remove(from: layout)
            try? site.close()
            throw error
        }
        ServerFile.remove(from: layout)
        try site.close()
        print("stopped; the log is durable")
    }
}
