/// An API key and secret as a request presents them in its `Authorization` header.
///
/// Frappe's two forms are accepted, the scheme in any case:
/// - `token API_KEY:API_SECRET`
/// - `Basic base64(API_KEY:API_SECRET)`
///
/// `description` never shows the secret, so credentials can be logged safely.
public struct APICredentials: Sendable, Hashable, CustomStringConvertible {
    public var apiKey: String
    public var apiSecret: String

    public init(apiKey: String, apiSecret: String) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
    }

    /// Reads an `Authorization` header value.
    /// - Throws: `BackendError.authentication` saying which part is malformed; the message
    ///   never repeats the secret.
    public init(authorizationHeader header: String) throws {
        let trimmed = header.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " ") else {
            throw BackendError.authentication(message: "Authorization header must be \"token KEY:SECRET\" or \"Basic BASE64\"")
        }
        let scheme = trimmed[..<space].lowercased()
        let payload = trimmed[trimmed.index(after: space)...].trimmingCharacters(" ")
        let pair: String
        switch scheme {
        case "token":
            pair = String(payload)
        case "basic":
            guard let bytes = Base64.decode(payload), let text = String(validating: bytes, as: UTF8.self) else {
                throw BackendError.authentication(message: "Basic credentials are not valid base64 of UTF-8 text")
            }
            pair = text
        default:
            throw BackendError.authentication(message: "unsupported Authorization scheme \"\(trimmed[..<space])\"; use \"token\" or \"Basic\"")
        }
        guard let colon = pair.firstIndex(of: ":") else {
            throw BackendError.authentication(message: "credentials must be API_KEY:API_SECRET")
        }
        let key = String(pair[..<colon])
        let secret = String(pair[pair.index(after: colon)...])
        guard !key.isEmpty, !secret.isEmpty else {
            throw BackendError.authentication(message: "credentials must be API_KEY:API_SECRET, both non-empty")
        }
        self.init(apiKey: key, apiSecret: secret)
    }

    /// `token KEY:SECRET`, for clients.
    public var tokenHeader: String { "token \(apiKey):\(apiSecret)" }

    /// `Basic base64(KEY:SECRET)`, for clients.
    public var basicHeader: String { "Basic " + Base64.encodeStandard(Array("\(apiKey):\(apiSecret)".utf8)) }

    public var description: String { "APICredentials(apiKey: \(apiKey), apiSecret: <hidden>)" }
}

extension Substring {
    func trimmingCharacters(_ c: Character) -> Substring {
        var s = self
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return s
    }
}
