import ArgumentParser
import Foundation

/// `sitestream demo`: the main job. Until streaming lands it shows what the engine already does.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A head office and two branches on loopback: master data down, invoices up."
    )

    @Option(help: "Keep the demo's sites in DIR instead of cleaning up.")
    var keep: String?

    func run() throws {
        print("sitestream demo: streaming between sites is not built yet (issues 5–10).")
    }
}
