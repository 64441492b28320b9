import Synchronization

/// What `UserCredentialStore` last read for each API key: the `User` document's stored bytes
/// and the secret hash and user found in them, so a request whose key's `User` is unchanged
/// skips reading and parsing that document and decoding its hash.
///
/// Only what the site already holds is kept (the stored hash, never a presented secret), and
/// the secret is still verified on every request. An entry is used only while it is known
/// current, one of two ways:
/// - the store has applied nothing since the entry was checked: its `lastAppliedSequence`
///   (read before the check's document read) is unchanged, so no document can have changed —
///   one counter read, no index lookup, no file access;
/// - otherwise, the `User` document the key's index entry names still has exactly the bytes
///   the entry was read from (one read); the entry is then stamped current again.
/// So a new key, a disabled user or a key moved to another user takes effect with the next
/// request: each is a write, which moves the store's sequence before it is acknowledged.
/// At most `capacity` keys are kept; when full the cache starts over.
public final class UserKeyCache: Sendable {
    struct Entry: Sendable {
        var document: [UInt8]
        var hash: APISecretHash
        var user: SiteUser
        /// The store's `lastAppliedSequence` when the entry was last known current.
        var checkedAt: UInt64
    }

    public let capacity: Int
    private let state = Mutex<(entries: [String: Entry], hits: Int, unreadHits: Int)>(([:], 0, 0))

    public init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// How many lookups were answered from the cache (for tests).
    public var hits: Int { state.withLock { $0.hits } }
    /// How many of those needed no document read (the store unchanged since the check; for tests).
    public var unreadHits: Int { state.withLock { $0.unreadHits } }

    /// The hash and user for `apiKey`, if its entry was checked when the store had applied
    /// exactly `storeSequence`.
    func lookup(apiKey: String, storeSequence: UInt64) -> (hash: APISecretHash, user: SiteUser)? {
        state.withLock { state in
            guard let entry = state.entries[apiKey], entry.checkedAt == storeSequence else { return nil }
            state.hits += 1
            state.unreadHits += 1
            return (entry.hash, entry.user)
        }
    }

    /// The hash and user read from `document` for `apiKey`, if that is what was read last; the
    /// entry is then current as of `storeSequence` (read before `document` was).
    func lookup(apiKey: String, document: [UInt8], storeSequence: UInt64) -> (hash: APISecretHash, user: SiteUser)? {
        state.withLock { state in
            guard let entry = state.entries[apiKey], entry.document == document else { return nil }
            state.hits += 1
            state.entries[apiKey]!.checkedAt = storeSequence
            return (entry.hash, entry.user)
        }
    }

    func remember(apiKey: String, document: [UInt8], hash: APISecretHash, user: SiteUser, storeSequence: UInt64) {
        state.withLock { state in
            if state.entries.count >= capacity, state.entries[apiKey] == nil { state.entries.removeAll() }
            state.entries[apiKey] = Entry(document: document, hash: hash, user: user, checkedAt: storeSequence)
        }
    }
}
