import Synchronization

/// What `UserCredentialStore` last read for each API key: the `User` document's stored bytes
/// and the secret hash and user found in them, so a request whose key's `User` is unchanged
/// skips parsing that document and decoding its hash.
///
/// Only what the site already holds is kept (the stored hash, never a presented secret), and
/// the secret is still verified on every request. An entry is used only while the `User`
/// document the key's index entry names still has exactly the bytes it was read from, so a
/// new key, a disabled user or a key moved to another user takes effect with the next request.
/// At most `capacity` keys are kept; when full the cache starts over.
public final class UserKeyCache: Sendable {
    struct Entry: Sendable {
        var document: [UInt8]
        var hash: APISecretHash
        var user: SiteUser
    }

    public let capacity: Int
    private let state = Mutex<(entries: [String: Entry], hits: Int)>(([:], 0))

    public init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// How many lookups were answered from the cache (for tests).
    public var hits: Int { state.withLock { $0.hits } }

    /// The hash and user read from `document` for `apiKey`, if that is what was read last.
    func lookup(apiKey: String, document: [UInt8]) -> (hash: APISecretHash, user: SiteUser)? {
        state.withLock { state in
            guard let entry = state.entries[apiKey], entry.document == document else { return nil }
            state.hits += 1
            return (entry.hash, entry.user)
        }
    }

    func remember(apiKey: String, document: [UInt8], hash: APISecretHash, user: SiteUser) {
        state.withLock { state in
            if state.entries.count >= capacity, state.entries[apiKey] == nil { state.entries.removeAll() }
            state.entries[apiKey] = Entry(document: document, hash: hash, user: user)
        }
    }
}
