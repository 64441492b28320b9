import DocumentModel

/// The log's acknowledgement of a queued write (`Site.writeQueued`), to wait for later.
public struct WriteAcknowledgement: Sendable {
    let ticket: AckTicket?

    /// Returns once the write is in the log per the durability setting; throws the log's error
    /// if the append failed.
    public func wait() async throws {
        try await ticket?.wait()
    }
}

extension Site {
    /// Runs `body` as one transaction like `write`, but returns as soon as the change is queued
    /// to the log and folded into the store, with the acknowledgement to wait for. Reads see the
    /// change at once; it is durable only when the acknowledgement says so.
    ///
    /// For a single caller that makes many small writes in a row (a consumer replaying a batch):
    /// waiting once for the last acknowledgement lets consecutive writes share a group commit,
    /// while each stays its own transaction. The log acknowledges in queue order. The log's
    /// writer thread encodes (deflates) and writes the entries, so that work runs beside the
    /// caller's next write instead of in it.
    ///
    /// With `deferringStore`, the store takes the change on the site's apply queue while the
    /// caller goes on (`DeferredApply`): the caller's next `writeQueued(deferringStore: true)`
    /// reads through it, every other writer waits for it first, but reads of the site itself
    /// (`Site.get`, a REST read) may not see it until `settleDeferredWrites()`. For a caller
    /// that writes through transactions only, back to back (the consumer's batch replay).
    public func writeQueued<T: Sendable>(as user: String = "Administrator", deferringStore: Bool = false,
                                         _ body: (SiteTransaction) throws -> T) throws -> (T, WriteAcknowledgement) {
        let (value, ticket) = try prepareWrite(user: user, handingOff: true, deferringStore: deferringStore, body)
        return (value, WriteAcknowledgement(ticket: ticket))
    }
}
