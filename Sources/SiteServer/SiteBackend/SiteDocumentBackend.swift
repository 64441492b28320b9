import DocumentModel
import DocumentQuery
import Site
import SiteStreamJSON
import SnapshotStore

/// A `Site` as the server's `SiteBackend`: reads from its store, writes through its lifecycle
/// (`Site.writeConcurrently`: requests on both cores run their lifecycles at once, and each
/// body is a plain transaction, safe to run again), API keys from its `User` documents.
///
/// Secrets stay in: every document returned has its `Password` fields (User's and Event
/// Producer's `api_secret`, …) removed, in child rows too, and a list may not filter, sort or
/// select on a `Password` field (403), so no query can probe a secret. A `User`'s
/// `api_secret` written through the API is stored as its `APISecretHash`, never as given.
public struct SiteDocumentBackend: SiteBackend {
    public let site: Site
    /// Keys issued by the serving process itself (the local administrator credential the
    /// command line uses while a server holds the site), checked before the `User` keys.
    /// They live only in memory and in the owner-only `server.json`.
    public var processCredentials: [String: (hash: APISecretHash, user: SiteUser)] = [:]
    /// The `User` documents behind API keys, parsed once while they stay unchanged.
    public let userKeys = UserKeyCache()

    public init(site: Site) {
        self.site = site
    }

    public func get(doctype: String, name: String, user: SiteUser) async throws -> JSONObject {
        try requireDocType(doctype)
        guard let document = try mapped({ try site.get(doctype, name) }) else {
            throw BackendError.notFound(doctype: doctype, name: name)
        }
        return redacted(document.object, doctype: doctype)
    }

    /// The stored JSON text itself when `doctype` and its child tables have no `Password`
    /// field, so there is nothing to redact: the store keeps each document as the text its
    /// serializer wrote, checked against its crc on the read, which is what parsing and
    /// writing it again would give.
    public func getJSONText(doctype: String, name: String, user: SiteUser) async throws -> [UInt8] {
        try requireDocType(doctype)
        guard !holdsSecrets(doctype) else {
            return JSON.object(try await get(doctype: doctype, name: name, user: user)).serialized()
        }
        guard let bytes = try site.store.get(DocumentKey(doctype: doctype, name: name)) else {
            throw BackendError.notFound(doctype: doctype, name: name)
        }
        return bytes
    }

    /// Scans the DocType in the store, keeps what `query` matches, then sorts, pages and
    /// projects in memory: the matching documents of one DocType are held at once (the store
    /// has no secondary sort index yet).
    public func list(doctype: String, query: ListQuery, user: SiteUser) async throws -> [JSONObject] {
        try requireDocType(doctype)
        try refuseSecretFields(in: query, doctype: doctype)
        let matching = try mapped {
            try site.list(doctype, offset: 0, limit: Int.max, where: { query.matches($0.object) })
        }
        let documents = matching.map { redacted($0.object, doctype: doctype) }
        return query.page(query.sort(documents)).map(query.project)
    }

    public func insert(doctype: String, document: JSONObject, user: SiteUser) async throws -> JSONObject {
        try requireDocType(doctype)
        var input = Document(hashingSecrets(document, doctype: doctype))
        input.object["doctype"] = .string(doctype)
        let stored = try await mappedAsync { try await site.writeConcurrently(as: user.name) { tx in try tx.insert(input) } }
        return redacted(stored.object, doctype: doctype)
    }

    public func update(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject {
        try requireDocType(doctype)
        let changes = hashingSecrets(patch, doctype: doctype)
        let stored = try await mappedAsync {
            try await site.writeConcurrently(as: user.name) { tx in try tx.update(doctype, name, with: changes) }
        }
        return redacted(stored.object, doctype: doctype)
    }

    public func submit(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject {
        try requireDocType(doctype)
        let changes = hashingSecrets(patch, doctype: doctype)
        let stored = try await mappedAsync {
            try await site.writeConcurrently(as: user.name) { tx in
                if !changes.isEmpty { try tx.update(doctype, name, with: changes) }
                return try tx.submit(doctype, name)
            }
        }
        return redacted(stored.object, doctype: doctype)
    }

    public func cancel(doctype: String, name: String, user: SiteUser) async throws -> JSONObject {
        try requireDocType(doctype)
        let stored = try await mappedAsync { try await site.writeConcurrently(as: user.name) { tx in try tx.cancel(doctype, name) } }
        return redacted(stored.object, doctype: doctype)
    }

    public func delete(doctype: String, name: String, user: SiteUser) async throws {
        try requireDocType(doctype)
        try await mappedAsync { try await site.writeConcurrently(as: user.name) { tx in try tx.delete(doctype, name) } }
    }

    public func authenticate(apiKey: String, apiSecret: String) async throws -> SiteUser? {
        try authenticateImmediately(apiKey: apiKey, apiSecret: apiSecret)
    }

    // MARK: Secrets

    /// The names of `doctype`'s Password fields.
    func secretFields(of doctype: String) -> [String] {
        site.schema[doctype]?.fields.filter { $0.fieldtype == .password }.map(\.fieldname) ?? []
    }

    /// Whether `doctype` or one of its child tables has a Password field.
    func holdsSecrets(_ doctype: String) -> Bool {
        guard let type = site.schema[doctype] else { return false }
        return type.fields.contains { $0.fieldtype == .password }
            || type.tableFields.contains { site.schema.childDocType(of: $0).map { holdsSecrets($0.name) } ?? false }
    }

    /// `object` without its Password fields, nor those of its child rows.
    public func redacted(_ object: JSONObject, doctype: String) -> JSONObject {
        guard let type = site.schema[doctype] else { return object }
        var out = object
        for field in secretFields(of: doctype) { out.removeValue(forKey: field) }
        for table in type.tableFields {
            guard let child = site.schema.childDocType(of: table), case .array(let rows)? = out[table.fieldname] else { continue }
            out[table.fieldname] = .array(rows.map { row in
                guard case .object(let r) = row else { return row }
                return .object(redacted(r, doctype: child.name))
            })
        }
        return out
    }

    func refuseSecretFields(in query: ListQuery, doctype: String) throws {
        let secrets = Set(secretFields(of: doctype))
        guard !secrets.isEmpty else { return }
        let named = (query.filters + query.orFilters).filter { $0.doctype == nil || $0.doctype == doctype }.map(\.field)
            + query.orderBy.map(\.field) + query.fields.columns.map(\.field)
        if let field = named.first(where: secrets.contains) {
            throw BackendError.permission(message: "\(doctype).\(field) is a secret and cannot be selected, filtered or sorted on")
        }
    }

    /// A `User`'s `api_secret` as its hash (left alone when it already is one).
    func hashingSecrets(_ object: JSONObject, doctype: String) -> JSONObject {
        guard doctype == "User", let secret = object["api_secret"]?.stringValue, !secret.isEmpty,
            APISecretHash(encoded: secret) == nil
        else { return object }
        var out = object
        out["api_secret"] = .string(APISecretHash.make(secret: secret).encoded)
        return out
    }

    // MARK: Errors

    func requireDocType(_ doctype: String) throws {
        guard site.schema.contains(doctype) else { throw BackendError.notFound(doctype: doctype) }
    }

    private func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SiteError { throw BackendError(error) ?? error }
    }

    @discardableResult
    private func mappedAsync<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as SiteError { throw BackendError(error) ?? error }
    }
}

extension BackendError {
    /// The HTTP-facing form of a site error; `nil` for failures of the site itself (I/O,
    /// corruption, a locked site), which stay as they are and become 500s.
    public init?(_ error: SiteError) {
        let doctype = error.doctype ?? ""
        switch error.code {
        case .notFound:
            self = .notFound(doctype: doctype, name: error.docname, message: error.message)
        case .duplicate:
            self = .duplicate(doctype: doctype, name: error.docname ?? "", message: error.message)
        case .validation, .invalidInput:
            let mandatory = error.message.contains("mandatory") || error.message.contains("missing")
            self = .validation(message: error.message, doctype: error.doctype, excType: mandatory ? "MandatoryError" : "ValidationError")
        case .linkValidation:
            self = .validation(message: error.message, doctype: error.doctype, excType: "LinkValidationError")
        case .timestampMismatch:
            self = .timestampMismatch(doctype: doctype, name: error.docname ?? "", message: error.message)
        case .permission:
            self = .permission(message: error.message)
        case .notASite, .alreadyExists, .corruptSiteFile, .invalidSetting, .locked, .io:
            return nil
        }
    }
}
