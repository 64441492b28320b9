// Streaming crash scenarios: a consumer pulling from a producer, SIGKILLed by the tests.
import DocumentModel
import Foundation
import Site
import SiteStreamJSON
import Streaming

/// - `streaming-pull PRODUCER_DIR CONSUMER_DIR PROGRESS`: opens both sites (the producer only
///   read), pulls from the producer until caught up in small replies, appending one line per
///   record whose outcome is committed to PROGRESS, then `done`. The consumer runs a posting
///   controller (a GL Entry on each Sales Invoice submit and cancel), so a replay repeated
///   after a crash would show as an extra GL Entry.
/// - `streaming-import CONSUMER_DIR BUNDLE_DIR PROGRESS`: opens the consumer (same controller)
///   and imports the offline bundle, one PROGRESS line per committed record, then `done`.
func runStreamingScenario(_ name: String, _ arguments: [String]) throws {
    switch name {
    case "streaming-pull":
        guard arguments.count == 3 else { throw ScenarioUsage("streaming-pull PRODUCER_DIR CONSUMER_DIR PROGRESS") }
        try streamingPull(producer: arguments[0], consumer: arguments[1], progress: arguments[2])
    case "streaming-import":
        guard arguments.count == 3 else { throw ScenarioUsage("streaming-import CONSUMER_DIR BUNDLE_DIR PROGRESS") }
        try streamingImport(consumer: arguments[0], bundle: arguments[1], progress: arguments[2])
    default:
        throw ScenarioUsage("no streaming scenario named \(name)")
    }
}

/// The consumer's controllers in the crash tests: a GL Entry per invoice submit and cancel.
struct ChildPostingController: DocumentController {
    func onSubmit(_ document: Document, in transaction: SiteTransaction) throws { try post(document, cancel: false, in: transaction) }
    func onCancel(_ document: Document, in transaction: SiteTransaction) throws { try post(document, cancel: true, in: transaction) }

    private func post(_ document: Document, cancel: Bool, in transaction: SiteTransaction) throws {
        try transaction.insert(Document(doctype: "GL Entry", [
            "posting_date": "2026-01-05", "account": "Debtors", "voucher_type": "Sales Invoice",
            "voucher_no": .string(document.name ?? ""), "is_cancelled": cancel ? 1 : 0,
        ]))
    }
}

private func streamingPull(producer: String, consumer: String, progress: String) throws {
    var controllers = ControllerRegistry()
    controllers.register(ChildPostingController(), for: "Sales Invoice")
    let producerSite = try Site.open(at: SiteLayout(path: producer), controllers: ControllerRegistry())
    let consumerSite = try Site.open(at: SiteLayout(path: consumer), controllers: controllers)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: progress))
    out.seekToEndOfFile()
    out.write(Data("open\n".utf8))
    let client = LocalProducerClient(producer: StreamProducer(site: producerSite))
    let pulling = StreamConsumer(site: consumerSite)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    Task {
        do {
            try await pulling.pull(producer: producerSite.identity.name, client: client, maxEntries: 3, maxBytes: 1 << 20) { sequence, outcome, _ in
                out.write(Data("\(sequence) \(outcome.rawValue)\n".utf8))
            }
        } catch {
            failure = error
        }
        done.signal()
    }
    done.wait()
    if let failure { throw failure }
    out.write(Data("done\n".utf8))
    try consumerSite.close()
    try producerSite.close()
}

private func streamingImport(consumer: String, bundle: String, progress: String) throws {
    var controllers = ControllerRegistry()
    controllers.register(ChildPostingController(), for: "Sales Invoice")
    let consumerSite = try Site.open(at: SiteLayout(path: consumer), controllers: controllers)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: progress))
    out.seekToEndOfFile()
    out.write(Data("open\n".utf8))
    let importing = StreamConsumer(site: consumerSite)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    Task {
        do {
            try await importing.importBundle(at: bundle, maxEntries: 3) { sequence, outcome, _ in
                out.write(Data("\(sequence) \(outcome.rawValue)\n".utf8))
            }
        } catch {
            failure = error
        }
        done.signal()
    }
    done.wait()
    if let failure { throw failure }
    out.write(Data("done\n".utf8))
    try consumerSite.close()
}
