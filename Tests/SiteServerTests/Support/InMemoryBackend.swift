import DocumentQuery
import SiteStreamJSON
import Synchronization

@testable import SiteServer

/// A `SiteBackend` that keeps documents in memory, with just enough of Frappe's lifecycle to
/// exercise every error the HTTP layer maps: mandatory fields, duplicates, docstatus
/// transitions, timestamp checks, permissions.
final class InMemoryBackend: SiteBackend {
    struct State {
        var documents: [String: [String: JSONObject]] = [:]
        var counters: [String: Int] = [:]
        var clock = 0
        /// Every write that reached the backend, for "nothing was done" checks.
        var writes: [String] = []
        var credentials: [String: (APISecretHash, SiteUser)] = [:]
        /// Document reads answered through `ImmediateDocumentReads` (the direct path).
        var immediateReads = 0
        /// Keys checked through `ImmediateDocumentReads` (requests taken before the router).
        var immediateAuthentications = 0
    }

    /// DocTypes and their mandatory fields.
    let doctypes: [String: [String]] = [
        "Customer": ["customer_name"],
        "Sales Invoice": ["customer"],
        "Item": [],
    ]
    /// Users who may read but not write.
    let readOnlyUsers: Set<String> = ["reader@example.com"]

    let state = Mutex(State())

    var writes: [String] { state.withLock { $0.writes } }

    var immediateReads: Int { state.withLock { $0.immediateReads } }
    var immediateAuthentications: Int { state.withLock { $0.immediateAuthentications } }

    func documentCount(_ doctype: String) -> Int { state.withLock { $0.documents[doctype]?.count ?? 0 } }

    /// Registers a key for `user` and returns the pair, keeping only the secret's hash.
    func addKey(for user: String) -> APIKeyPair {
        let pair = APIKeyPair.generate()
        let hash = pair.secretHash()
        state.withLock { $0.credentials[pair.apiKey] = (hash, SiteUser(name: user)) }
        return pair
    }

    /// Stores documents directly, bypassing the API (not counted as writes).
    func seed(_ doctype: String, _ docs: [JSONObject]) {
        state.withLock { s in
            for var doc in docs {
                let name = doc["name"]!.stringValue!
                doc["doctype"] = .string(doctype)
                if doc["docstatus"] == nil { doc["docstatus"] = 0 }
                s.documents[doctype, default: [:]][name] = doc
            }
        }
    }

    private func checkDocType(_ doctype: String) throws {
        guard doctypes[doctype] != nil else { throw BackendError.notFound(doctype: doctype) }
    }

    private func checkWrite(_ user: SiteUser) throws {
        if readOnlyUsers.contains(user.name) {
            throw BackendError.permission(message: "User \(user.name) does not have write permission")
        }
    }

    private static func timestamp(_ clock: Int) -> JSON {
        .string("2026-11-29 12:00:\(clock < 10 ? "0" : "")\(clock).000000")
    }

    /// What a backend failing in an unplanned way throws (the server must not leak it).
    struct InternalFailure: Error, CustomStringConvertible {
        var description: String { "disk on fire at /var/secret/path" }
    }

    func get(doctype: String, name: String, user: SiteUser) async throws -> JSONObject {
        if doctype == "Broken" { throw InternalFailure() }
        try checkDocType(doctype)
        guard let doc = state.withLock({ $0.documents[doctype]?[name] }) else {
            throw BackendError.notFound(doctype: doctype, name: name)
        }
        return doc
    }

    func list(doctype: String, query: ListQuery, user: SiteUser) async throws -> [JSONObject] {
        try checkDocType(doctype)
        precondition(query.limitPageLength > 0, "the server caps page lengths before calling list")
        let all = state.withLock { Array(($0.documents[doctype] ?? [:]).values) }
        return query.apply(to: all)
    }

    func insert(doctype: String, document: JSONObject, user: SiteUser) async throws -> JSONObject {
        try checkDocType(doctype)
        try checkWrite(user)
        for field in doctypes[doctype]! where ValueCheck.isMissing(document[field]) {
            throw BackendError.validation(
                message: "\(doctype): value missing for \(field)", doctype: doctype, field: field, excType: "MandatoryError")
        }
        return try state.withLock { s in
            var doc = document
            let name: String
            if let given = doc["name"]?.stringValue, !given.isEmpty {
                name = given
            } else {
                s.counters[doctype, default: 0] += 1
                name = "\(doctype.uppercased().prefix(4))-\(s.counters[doctype]!)"
            }
            if s.documents[doctype]?[name] != nil {
                throw BackendError.duplicate(doctype: doctype, name: name, message: "\(doctype) \(name) already exists")
            }
            s.clock += 1
            doc["doctype"] = .string(doctype)
            doc["name"] = .string(name)
            if doc["docstatus"] == nil { doc["docstatus"] = 0 }
            doc["creation"] = Self.timestamp(s.clock)
            doc["modified"] = Self.timestamp(s.clock)
            s.documents[doctype, default: [:]][name] = doc
            s.writes.append("insert \(doctype) \(name)")
            return doc
        }
    }

    func update(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject {
        try checkDocType(doctype)
        try checkWrite(user)
        return try state.withLock { s in
            guard var doc = s.documents[doctype]?[name] else { throw BackendError.notFound(doctype: doctype, name: name) }
            if let modified = patch["modified"], modified != doc["modified"] {
                throw BackendError.timestampMismatch(
                    doctype: doctype, name: name,
                    message: "Document has been modified after you have opened it (\(doc["modified"]?.stringValue ?? "?"))")
            }
            let from = doc["docstatus"]?.intValue ?? 0
            let to = patch["docstatus"]?.intValue ?? from
            guard from == to || (from == 0 && to == 1) || (from == 1 && to == 2) else {
                throw BackendError.validation(message: "Cannot change docstatus from \(from) to \(to)", doctype: doctype)
            }
            if from == 2 {
                throw BackendError.validation(message: "Cannot edit a cancelled document", doctype: doctype)
            }
            for (k, v) in patch where k != "modified" { doc[k] = v }
            s.clock += 1
            doc["modified"] = Self.timestamp(s.clock)
            s.documents[doctype]![name] = doc
            s.writes.append("update \(doctype) \(name)")
            return doc
        }
    }

    func submit(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject {
        let current = try await get(doctype: doctype, name: name, user: user)
        guard current["docstatus"]?.intValue == 0 else {
            throw BackendError.validation(message: "\(doctype) \(name) is not a draft", doctype: doctype)
        }
        var patch = patch
        patch["docstatus"] = 1
        return try await update(doctype: doctype, name: name, patch: patch, user: user)
    }

    func cancel(doctype: String, name: String, user: SiteUser) async throws -> JSONObject {
        let current = try await get(doctype: doctype, name: name, user: user)
        guard current["docstatus"]?.intValue == 1 else {
            throw BackendError.validation(message: "\(doctype) \(name) is not submitted", doctype: doctype)
        }
        return try await update(doctype: doctype, name: name, patch: ["docstatus": 2], user: user)
    }

    func delete(doctype: String, name: String, user: SiteUser) async throws {
        try checkDocType(doctype)
        try checkWrite(user)
        try state.withLock { s in
            guard let doc = s.documents[doctype]?[name] else { throw BackendError.notFound(doctype: doctype, name: name) }
            if doc["docstatus"]?.intValue == 1 {
                throw BackendError.validation(message: "Submitted \(doctype) \(name) cannot be deleted", doctype: doctype)
            }
            s.documents[doctype]![name] = nil
            s.writes.append("delete \(doctype) \(name)")
        }
    }

    func authenticate(apiKey: String, apiSecret: String) async throws -> SiteUser? {
        guard let (hash, user) = state.withLock({ $0.credentials[apiKey] }) else { return nil }
        return hash.verify(secret: apiSecret) ? user : nil
    }
}

enum ValueCheck {
    static func isMissing(_ value: JSON?) -> Bool {
        switch value {
        case nil, .null?: return true
        case .string(let s)?: return s.isEmpty
        default: return false
        }
    }
}

/// The direct read path over the same documents and keys; "Broken" fails as `get` does.
extension InMemoryBackend: ImmediateDocumentReads {
    func authenticateImmediately(apiKey: String, apiSecret: String) throws -> SiteUser? {
        let found = state.withLock { state in
            state.immediateAuthentications += 1
            return state.credentials[apiKey].map { (hash: $0.0, user: $0.1) }
        }
        return CredentialCheck.user(of: found, ifSecret: apiSecret)
    }

    func documentJSONTextImmediately(doctype: String, name: String, user: SiteUser) throws -> [UInt8]? {
        if doctype == "Broken" { throw InternalFailure() }
        guard doctypes[doctype] != nil else { return nil }
        return state.withLock { state in
            guard let document = state.documents[doctype]?[name] else { return nil }
            state.immediateReads += 1
            return JSON.object(document).serialized()
        }
    }
}
