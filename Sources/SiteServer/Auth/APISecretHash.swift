import Crypto

/// An API secret as a site stores it: a random salt and SHA-256(salt ‖ secret), never the
/// secret itself.
///
/// One round of SHA-256 is enough here because secrets are random 256-bit values made by
/// `APIKeyPair.generate()`, not passwords a person chose: there is nothing to guess, so key
/// stretching would only slow every request. The salt keeps equal secrets from having equal
/// hashes.
///
/// ```swift
/// let pair = APIKeyPair.generate()
/// let stored = APISecretHash.make(secret: pair.apiSecret).encoded  // "sha256$<salt>$<digest>"
/// APISecretHash(encoded: stored)?.verify(secret: pair.apiSecret)   // true
/// ```
public struct APISecretHash: Sendable, Hashable {
    /// 16 random bytes.
    public let salt: [UInt8]
    /// SHA-256 of the salt followed by the secret's UTF-8 bytes.
    public let digest: [UInt8]

    public init(salt: [UInt8], digest: [UInt8]) {
        self.salt = salt
        self.digest = digest
    }

    /// Hashes `secret` under a fresh random salt.
    public static func make(secret: String) -> APISecretHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return APISecretHash(salt: salt, digest: digest(salt: salt, secret: secret))
    }

    /// Whether `secret` is the secret this hash was made from. Takes the same time whatever
    /// the secret, so timing tells an attacker nothing about how close a guess was.
    public func verify(secret: String) -> Bool {
        let candidate = Self.digest(salt: salt, secret: secret)
        guard candidate.count == digest.count else { return false }
        var difference: UInt8 = 0
        for i in candidate.indices { difference |= candidate[i] ^ digest[i] }
        return difference == 0
    }

    /// The stored text form: `sha256$<salt hex>$<digest hex>`.
    public var encoded: String { "sha256$\(Hex.encode(salt))$\(Hex.encode(digest))" }

    /// Reads the stored text form; `nil` if it is not one.
    public init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sha256", let salt = Hex.decode(parts[1]),
            let digest = Hex.decode(parts[2]), salt.count == 16, digest.count == 32
        else { return nil }
        self.init(salt: salt, digest: digest)
    }

    static func digest(salt: [UInt8], secret: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        return Array(hasher.finalize())
    }
}

/// A new API key and secret, as `sitestream keys create` prints them.
public struct APIKeyPair: Sendable, Hashable {
    /// 20 lowercase hex characters; identifies the key, not secret.
    public let apiKey: String
    /// 43 URL-safe base64 characters (256 random bits); shown once, stored only as a hash.
    public let apiSecret: String

    public init(apiKey: String, apiSecret: String) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
    }

    /// A fresh random pair from the system's secure generator (`getrandom` on Linux).
    ///
    /// The secret never begins with `-` or `_`: one in 32 URL-safe secrets would otherwise, and
    /// `--api-secret -x…` on a command line reads as an unknown option, not as the value.
    public static func generate() -> APIKeyPair {
        var generator = SystemRandomNumberGenerator()
        let keyBytes = (0..<10).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        while true {
            let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let secret = Base64.encode(secretBytes)
            guard let first = secret.first, first != "-", first != "_" else { continue }
            return APIKeyPair(apiKey: Hex.encode(keyBytes), apiSecret: secret)
        }
    }

    /// The secret's hash, the only form of it a site keeps.
    public func secretHash() -> APISecretHash { APISecretHash.make(secret: apiSecret) }
}
