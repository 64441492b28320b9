// A consumer backfilling from a producer, SIGKILLed by the tests.
import DocumentModel
import EventLog
import Foundation
import Site
import Streaming

/// A client that asks for pages of 4 documents and writes `page N` to the progress file as
/// each page is asked for (every page before it is then committed: the backfill waits for a
/// page's writes before asking for the next).
private struct SmallPages: ProducerClient {
    let inner: LocalProducerClient
    let out: FileHandle
    let pages = Counter()

    final class Counter: @unchecked Sendable {
        // @unchecked: only the one backfill task touches it.
        var value = 0
    }

    func register(_ request: RegisterRequest) async throws -> RegisterReply { try await inner.register(request) }
    func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        try await inner.updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
    }
    func documents(_ request: DocumentsRequest) async throws -> DocumentsReply { try await inner.documents(request) }
    func backfill(_ request: BackfillRequest) async throws -> BackfillReply {
        pages.value += 1
        out.write(Data("page \(pages.value)\n".utf8))
        var small = request
        small.limit = 4
        return try await inner.backfill(small)
    }
}

/// `streaming-backfill PRODUCER_DIR CONSUMER_DIR PROGRESS`: runs the consumer's marked
/// backfill (through a pull) in pages of 4, one progress line per page, then `done`.
func streamingBackfill(producer: String, consumer: String, progress: String) throws {
    let producerSite = try Site.open(at: SiteLayout(path: producer), controllers: ControllerRegistry())
    let consumerSite = try Site.open(at: SiteLayout(path: consumer), controllers: ControllerRegistry())
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: progress))
    out.seekToEndOfFile()
    out.write(Data("open\n".utf8))
    let client = SmallPages(inner: LocalProducerClient(producer: StreamProducer(site: producerSite)), out: out)
    let pulling = StreamConsumer(site: consumerSite)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    Task {
        do { try await pulling.pull(producer: producerSite.identity.name, client: client) } catch { failure = error }
        done.signal()
    }
    done.wait()
    if let failure { throw failure }
    out.write(Data("done\n".utf8))
    try consumerSite.close()
    try producerSite.close()
}
