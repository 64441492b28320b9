import DocumentQuery
import SiteStreamJSON

/// Who a request acts as, once its API key and secret are verified.
public struct SiteUser: Sendable, Hashable {
    /// The Frappe user name, e.g. `"Administrator"` or `"sync@branch.example"`.
    public var name: String
    /// Authenticated with the credential of the process serving the site (`server.json`,
    /// readable by the site's owner only): the command line on this machine. Only it may ask
    /// the server to read or write files by path (offline bundles).
    public var isLocalProcess: Bool

    public init(name: String, isLocalProcess: Bool = false) {
        self.name = name
        self.isLocalProcess = isLocalProcess
    }

    public var isAdministrator: Bool { name == "Administrator" }

    public static let administrator = SiteUser(name: "Administrator")
}

/// What the HTTP layer needs from a site: Frappe's document API, nothing about HTTP.
///
/// Every method either returns its result or throws a `BackendError` (any other error becomes
/// a 500 with no details). Documents are full Frappe documents (`doctype`, `name`,
/// `docstatus`, `creation`, `modified`, fields, child tables as lists of rows); a backend must
/// never return API secrets in them. Writes happen as `user`, who is already authenticated:
/// a backend checks permissions and throws `.permission` when the user may not act.
///
/// A write that returns has been committed under the site's durability setting; a write
/// that throws has changed nothing.
public protocol SiteBackend: Sendable {
    /// The document `name` of `doctype`.
    /// - Throws: `.notFound` for an unknown DocType or document.
    func get(doctype: String, name: String, user: SiteUser) async throws -> JSONObject

    /// The same document as JSON text (UTF-8, one object), for replies that only pass it
    /// on. A backend that keeps documents as JSON text can hand that over without parsing
    /// and writing it again; the default serializes `get`'s result.
    func getJSONText(doctype: String, name: String, user: SiteUser) async throws -> [UInt8]

    /// The documents of `doctype` that `query` selects, filtered, sorted, paged and projected
    /// as `ListQuery` describes. `query.limitPageLength` is already capped by the server
    /// (never 0 when it arrives here).
    /// - Throws: `.notFound` for an unknown DocType; `.validation` for a filter or field the
    ///   DocType does not have, if the backend checks that.
    func list(doctype: String, query: ListQuery, user: SiteUser) async throws -> [JSONObject]

    /// Inserts a new document (`document` may carry `name`, child rows, and `docstatus` 1 to
    /// insert and submit at once, as Frappe allows). Returns the stored document.
    /// - Throws: `.duplicate` when the name is taken, `.validation` for missing or bad fields.
    func insert(doctype: String, document: JSONObject, user: SiteUser) async throws -> JSONObject

    /// Applies `patch` (changed fields; child tables given whole replace the stored rows) to
    /// a draft or, for fields allowed on submit, a submitted document. Returns the result.
    /// When the patch carries `modified`, it must equal the stored value. A patch may carry
    /// `docstatus`: as with Frappe's `save`, 0 → 1 submits and 1 → 2 cancels.
    /// - Throws: `.notFound`, `.validation`, `.timestampMismatch`.
    func update(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject

    /// Submits a draft (docstatus 0 → 1), first applying `patch` if it is not empty (Frappe's
    /// `frappe.client.submit` receives the whole document). Returns the submitted document.
    func submit(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject

    /// Cancels a submitted document (docstatus 1 → 2). Returns the cancelled document.
    func cancel(doctype: String, name: String, user: SiteUser) async throws -> JSONObject

    /// Deletes a draft or cancelled document.
    /// - Throws: `.notFound`, `.validation` for a submitted document.
    func delete(doctype: String, name: String, user: SiteUser) async throws

    /// The user an API key belongs to, if `apiSecret` is that key's secret; `nil` otherwise.
    /// Implementations compare with `APISecretHash.verify(secret:)` (constant time) and must
    /// take about as long for an unknown key as for a wrong secret.
    func authenticate(apiKey: String, apiSecret: String) async throws -> SiteUser?
}

extension SiteBackend {
    public func getJSONText(doctype: String, name: String, user: SiteUser) async throws -> [UInt8] {
        JSON.object(try await get(doctype: doctype, name: name, user: user)).serialized()
    }
}
