/// A backend that can check an API key and read one document's JSON text without
/// suspending: what the server needs to answer `GET /api/resource/{doctype}/{name}` on the
/// connection's event loop, and to check the key of a `POST /api/resource/{doctype}` before
/// starting its insert (`DirectRouteHandler`), without a trip through the router.
///
/// Both calls give the plain success answer or `nil`: an unknown or wrong key, an unknown
/// DocType or document, a DocType whose documents must be redacted, anything the ordinary
/// route would answer with an error, is `nil` (or a throw), and the request then goes the
/// ordinary way, whose reply says what is wrong. So the direct path never has to produce an
/// error reply of its own, and the two paths cannot disagree on one.
///
/// Both run on an event loop: they may read a document from the site's files (one `pread`,
/// as the ordinary route does on the cooperative pool) but must never wait on a lock held
/// across I/O or on another task.
public protocol ImmediateDocumentReads: Sendable {
    /// The user an API key belongs to when `apiSecret` is its secret (compared in constant
    /// time, as `SiteBackend.authenticate`); `nil` otherwise.
    func authenticateImmediately(apiKey: String, apiSecret: String) throws -> SiteUser?

    /// The document's JSON text exactly as `SiteBackend.getJSONText` would give it for `user`,
    /// or `nil` when that would not be a plain success.
    func documentJSONTextImmediately(doctype: String, name: String, user: SiteUser) throws -> [UInt8]?
}
