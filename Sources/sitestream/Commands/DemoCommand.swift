import ArgumentParser
import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON

/// `sitestream demo`: the main job. A head office and two branches served on loopback (see
/// `StreamingDemo`), then the head office's store rebuilt from its log and compared (see
/// `LocalDemo`'s check). Exit status 0 only when every check passes.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The main job: a head office and two branches on loopback, master data down, invoices up."
    )

    @Option(help: ArgumentHelp("Keep the demo's sites in DIR instead of cleaning up.", valueName: "DIR"))
    var keep: String?

    @OptionGroup var logging: LogLevelOption

    @Option(help: "How many Sales Invoices each branch writes.")
    var invoices: Int = 150

    func validate() throws {
        if invoices < 4 { throw ValidationError("--invoices must be at least 4") }
    }

    func run() async throws {
        let root: URL
        if let keep {
            root = URL(fileURLWithPath: keep, isDirectory: true)
            if FileManager.default.fileExists(atPath: root.path),
               !((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).isEmpty {
                throw CLIError("--keep \(keep): the directory exists and is not empty")
            }
        } else {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("sitestream-demo-\(getpid())", isDirectory: true)
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: root) } }
        let progress = ProgressLine()
        let started = Date()
        let streaming = try await StreamingDemo(root: root.appendingPathComponent("streaming", isDirectory: true),
                                                invoicesPerBranch: invoices, progress: progress, logger: CLILogging.logger()).run()
        progress.finish()
        print(streaming.report)
        let local = try await LocalDemo(root: root.appendingPathComponent("rebuild", isDirectory: true), invoices: invoices, progress: progress).run()
        progress.finish()
        print(local.report)
        print(String(format: "demo finished in %.1f s%@", Date().timeIntervalSince(started), keep.map { "; sites kept in \($0)" } ?? ""))
        if !streaming.passed { throw CLIError("demo check failed: \(streaming.failure ?? "")") }
        if !local.passed { throw CLIError("demo check failed: \(local.failure ?? "")") }
    }
}
