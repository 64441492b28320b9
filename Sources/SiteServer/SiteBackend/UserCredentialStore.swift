import DocumentModel
import Site
import SiteStreamJSON
import SnapshotStore

/// API keys kept where Frappe keeps them: on `User` documents, `api_key` in clear and
/// `api_secret` as an `APISecretHash` (its `encoded` text). Disabled users have no access.
public struct UserCredentialStore: CredentialStore {
    public let site: Site
    /// Parsed `User` documents by key, kept across requests by the server's backend.
    public let cache: UserKeyCache?

    public init(site: Site, cache: UserKeyCache? = nil) {
        self.site = site
        self.cache = cache
    }

    /// Finds the key's `User` through the store's unique index on `api_key` (one index lookup
    /// and one read, however many users the site has), or by scanning the users when the
    /// site's `User` has no such index. The document read is checked to hold the key: the
    /// index is a cache of the documents. With a `cache`, an unchanged `User` document is not
    /// parsed again, nor even read while the store has applied nothing new (`UserKeyCache`).
    public func lookup(apiKey: String) async throws -> (hash: APISecretHash, user: SiteUser)? {
        try lookupImmediately(apiKey: apiKey)
    }

    /// `lookup`, which never suspends (for reads answered on an event loop).
    func lookupImmediately(apiKey: String) throws -> (hash: APISecretHash, user: SiteUser)? {
        // Read before any document: an entry checked now is current for as long as it holds.
        let sequence = site.store.lastAppliedSequence
        if let cached = cache?.lookup(apiKey: apiKey, storeSequence: sequence) { return cached }
        guard let names = site.names(whereUnique: "api_key", of: SystemDocTypes.user, equals: apiKey) else {
            let users = try site.list(SystemDocTypes.user, limit: Int.max, where: { $0["api_key"]?.stringValue == apiKey })
            return users.first.flatMap { Self.credentials(of: $0, apiKey: apiKey) }
        }
        for name in names {
            guard let bytes = try site.store.get(DocumentKey(doctype: SystemDocTypes.user, name: name)) else { continue }
            if let cached = cache?.lookup(apiKey: apiKey, document: bytes, storeSequence: sequence) { return cached }
            guard let user = Document(json: try JSON(parsing: bytes)), let found = Self.credentials(of: user, apiKey: apiKey) else {
                continue
            }
            cache?.remember(apiKey: apiKey, document: bytes, hash: found.hash, user: found.user, storeSequence: sequence)
            return found
        }
        return nil
    }

    /// The secret hash and user of a `User` document holding `apiKey`; `nil` when the user is
    /// disabled or has no usable secret.
    static func credentials(of user: Document, apiKey: String) -> (hash: APISecretHash, user: SiteUser)? {
        guard user["api_key"]?.stringValue == apiKey, let name = user.name,
            user["enabled"]?.intValue != 0, user["enabled"]?.boolValue != false,
            let stored = user["api_secret"]?.stringValue, let hash = APISecretHash(encoded: stored)
        else { return nil }
        return (hash, SiteUser(name: name))
    }

    /// Gives `user` a new key pair (replacing any earlier one) and returns it; the site keeps
    /// only the secret's hash, so this is the one time the secret is seen.
    public func createKey(for user: String) async throws -> APIKeyPair {
        let pair = APIKeyPair.generate()
        let changes: JSONObject = ["api_key": .string(pair.apiKey), "api_secret": .string(pair.secretHash().encoded)]
        do {
            _ = try await site.write { tx in try tx.update("User", user, with: changes) }
        } catch let error as SiteError {
            throw BackendError(error) ?? error
        }
        return pair
    }
}
