/// Where API keys are looked up: the key's stored secret hash and the user it acts as.
public protocol CredentialStore: Sendable {
    /// The hash and user of `apiKey`, or `nil` when no enabled user has that key.
    func lookup(apiKey: String) async throws -> (hash: APISecretHash, user: SiteUser)?
}

extension CredentialStore {
    /// The user whose key and secret these are, or `nil`. An unknown key costs one hash
    /// verification too, so response times do not tell which keys exist.
    public func authenticate(apiKey: String, apiSecret: String) async throws -> SiteUser? {
        CredentialCheck.user(of: try await lookup(apiKey: apiKey), ifSecret: apiSecret)
    }
}

enum CredentialCheck {
    /// The user `found` for a key when `secret` is its secret, compared in constant time; an
    /// unknown key (`nil`) is checked against a decoy, so it takes as long as a wrong secret.
    static func user(of found: (hash: APISecretHash, user: SiteUser)?, ifSecret secret: String) -> SiteUser? {
        guard let (hash, user) = found else {
            _ = decoy.verify(secret: secret)
            return nil
        }
        return hash.verify(secret: secret) ? user : nil
    }

    private static var decoy: APISecretHash { APISecretHash(salt: Array(repeating: 0, count: 16), digest: Array(repeating: 0, count: 32)) }
}
