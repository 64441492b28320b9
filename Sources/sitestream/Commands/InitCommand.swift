import ArgumentParser
import Foundation
import Logging
import Site
import SiteStreamJSON

/// `sitestream init --site DIR --name NAME [--url URL] [--doctypes DIR]`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a site (with the built-in ERP DocTypes unless --doctypes is given)."
    )

    @OptionGroup var options: SiteOptions

    @Option(help: "The site's name (other sites know it by this name).")
    var name: String

    @Option(help: "The address other sites use to reach this one, e.g. http://127.0.0.1:8000.")
    var url: String?

    @Option(help: ArgumentHelp("Install the DocType JSON files in DIR instead of the built-in ERP set.", valueName: "DIR"))
    var doctypes: String?

    @Option(help: "Log durability: always, interval:MS or none.")
    var durability: String = "interval:2"

    @Option(help: ArgumentHelp("Deflate log payloads larger than BYTES (0: never).", valueName: "BYTES"))
    var logCompressAbove: Int = SiteSettings().logCompressAbove

    func run() async throws {
        let layout = try options.layout()
        guard let durabilityValue = SiteSettings.Durability(durability) else {
            throw ValidationError("--durability must be always, none or interval:MS (e.g. interval:2), got '\(durability)'")
        }
        guard logCompressAbove >= 0 else {
            throw ValidationError("--log-compress-above must be a number of bytes ≥ 0 (0 never deflates), got \(logCompressAbove)")
        }
        var files: [URL] = []
        if let doctypes {
            let dir = URL(fileURLWithPath: doctypes, isDirectory: true)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
                throw CLIError("--doctypes \(doctypes): not a readable directory")
            }
            files = names.filter { $0.hasSuffix(".json") }.sorted().map { dir.appendingPathComponent($0) }
            if files.isEmpty { throw CLIError("--doctypes \(doctypes): no .json files in it") }
        }
        var settings = SiteSettings()
        settings.durability = durabilityValue
        settings.logCompressAbove = logCompressAbove
        let identity = try await Site.create(at: layout, name: name, url: url, builtins: doctypes == nil,
                                             doctypeFiles: files, settings: settings, logger: CLILogging.logger())
        if options.json {
            Output.printJSON(identity.json)
        } else {
            print("created site \(identity.name) (id \(identity.id)) in \(layout.root.path)")
        }
    }
}
