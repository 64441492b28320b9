import DocumentModel
import Site
import SiteStreamJSON

/// API keys kept where Frappe keeps them: on `User` documents, `api_key` in clear and
/// `api_secret` as an `APISecretHash` (its `encoded` text). Disabled users have no access.
public struct UserCredentialStore: CredentialStore {
    public let site: Site

    public init(site: Site) {
        self.site = site
    }

    /// Scans the site's users (a site has few) for the key.
    public func lookup(apiKey: String) async throws -> (hash: APISecretHash, user: SiteUser)? {
        let users = try site.list("User", limit: Int.max, where: { $0["api_key"]?.stringValue == apiKey })
        guard let user = users.first, let name = user.name,
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
