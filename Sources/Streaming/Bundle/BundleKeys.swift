import Crypto
import Foundation
import Site
import SiteStreamJSON

/// `stream-bundle-keys.json` in the site directory: the secret each subscription's two sites
/// share to sign and check offline bundles (HMAC-SHA256, `BundleManifest`).
///
/// ```json
/// {"consumers": {"<consumer site id>": "<64 hex>"},   (this site as a producer)
///  "producers": {"<producer site id>": "<64 hex>"}}   (this site as a consumer)
/// ```
///
/// The producer makes a key the first time a consumer registers and hands it over in the
/// register reply (the authenticated channel); the consumer keeps it here. The key is never
/// part of a streaming record, so no REST read can return it. The file is replaced durably
/// (temporary file, rename) and readable by its owner only.
struct BundleKeys {
    let layout: SiteLayout
    var file: URL { layout.root.appendingPathComponent("stream-bundle-keys.json") }

    private func sections() throws -> (consumers: [String: String], producers: [String: String]) {
        guard let data = FileManager.default.contents(atPath: file.path) else { return ([:], [:]) }
        let object = try JSON(parsing: Array(data)).objectValue ?? [:]
        func section(_ key: String) -> [String: String] {
            var result: [String: String] = [:]
            for (k, v) in object[key]?.objectValue ?? [:] { result[k] = v.stringValue }
            return result
        }
        return (section("consumers"), section("producers"))
    }

    private func save(consumers: [String: String], producers: [String: String]) throws {
        func object(_ map: [String: String]) -> JSON {
            var o = JSONObject()
            for key in map.keys.sorted() { o[key] = .string(map[key]!) }
            return .object(o)
        }
        let bytes = JSON.object(["consumers": object(consumers), "producers": object(producers)]).serialized(pretty: true)
        try Data(bytes).write(to: file, options: .atomic)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }

    /// The key of consumer `consumerID`'s subscription to this site, made (and kept) the first
    /// time it is asked for. Registering again returns the same key, so bundles already carried
    /// stay valid.
    func consumerKey(creatingFor consumerID: String) throws -> String {
        var (consumers, producers) = try sections()
        if let key = consumers[consumerID] { return key }
        let key = StreamConsumer.newToken()
        consumers[consumerID] = key
        try save(consumers: consumers, producers: producers)
        return key
    }

    /// The key of consumer `consumerID`, or nil when it never registered since bundles existed.
    func consumerKey(_ consumerID: String) throws -> String? { try sections().consumers[consumerID] }

    /// The key this site (a consumer) was given by producer `producerID`.
    func producerKey(_ producerID: String) throws -> String? { try sections().producers[producerID] }

    func store(producerKey key: String, producer producerID: String) throws {
        var (consumers, producers) = try sections()
        guard producers[producerID] != key else { return }
        producers[producerID] = key
        try save(consumers: consumers, producers: producers)
    }
}

/// HMAC-SHA256 (swift-crypto) of a bundle manifest's canonical bytes under a subscription key.
enum BundleSignature {
    static func sign(_ bytes: [UInt8], keyHex: String) -> String {
        let code = HMAC<Crypto.SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: Array(keyHex.utf8)))
        return code.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Whether `signatureHex` is the signature of `bytes` (compared in constant time).
    static func isValid(_ signatureHex: String, of bytes: [UInt8], keyHex: String) -> Bool {
        guard let given = bytesOfHex(signatureHex) else { return false }
        return HMAC<Crypto.SHA256>.isValidAuthenticationCode(given, authenticating: bytes, using: SymmetricKey(data: Array(keyHex.utf8)))
    }

    static func bytesOfHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 64 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var i = 0
        while i < utf8.count {
            guard let byte = UInt8(String(decoding: utf8[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}
