import Hummingbird
import SiteStreamJSON

/// What a request carries besides its path: query-string pairs and a body, read once under
/// the server's limits.
struct RequestInput: Sendable {
    enum Body: Sendable {
        case none
        case json(JSON)
        case form([(String, String)])
    }

    var query: [(String, String)]
    var body: Body

    /// Reads the query string and the body.
    ///
    /// The body is refused with 413 when its `Content-Length` (or, for chunked bodies, what
    /// arrives) is over `limits.maxBodyBytes`, and with 408 when it does not arrive within
    /// `limits.bodyReadTimeout`. JSON bodies are parsed under `limits.json`; form bodies
    /// (`application/x-www-form-urlencoded`) are decoded; a body without a content type is
    /// JSON when it starts with `{` or `[`, and form fields otherwise.
    static func read(_ request: Request, limits: ServerLimits) async throws -> RequestInput {
        let query = try request.uri.query.map { try FormEncoding.decode(Substring($0)) } ?? []
        let bytes = try await collectBody(request, limits: limits)
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            return RequestInput(query: query, body: .none)
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let isJSON: Bool
        if contentType.hasPrefix("application/json") || contentType.hasSuffix("+json") {
            isJSON = true
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
            isJSON = false
        } else if contentType.hasPrefix("multipart/") {
            throw BackendError.malformed(message: "multipart bodies are not supported; send JSON or application/x-www-form-urlencoded")
        } else {
            isJSON = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        }
        if isJSON {
            return RequestInput(query: query, body: .json(try JSON(parsing: bytes, limits: limits.json)))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw BackendError.malformed(message: "form body is not UTF-8")
        }
        return RequestInput(query: query, body: .form(try FormEncoding.decode(Substring(text))))
    }

    static func collectBody(_ request: Request, limits: ServerLimits) async throws -> [UInt8] {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > limits.maxBodyBytes {
            throw BackendError.tooLarge(message: "request body of \(declared) bytes is over the limit of \(limits.maxBodyBytes) bytes")
        }
        // HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body.
        if declared == 0 || (declared == nil && request.headers[.transferEncoding] == nil) {
            return []
        }
        // The connection's BodyArrivalTimeoutHandler ends a body that is too slow.
        do {
            return Array(try await request.body.collect(upTo: limits.maxBodyBytes).readableBytesView)
        } catch is BodyArrivalTimeout {
            throw BackendError.requestTimeout(message: "the request body did not arrive within \(limits.bodyReadTimeout)")
        }
    }

    /// Arguments for a method call: the query string's pairs, then the body's (a JSON
    /// object's members keep their JSON values; form values are strings). Later pairs win.
    func arguments() throws -> JSONObject {
        var args = JSONObject()
        for (k, v) in query { args[k] = .string(v) }
        switch body {
        case .none:
            break
        case .form(let pairs):
            for (k, v) in pairs { args[k] = .string(v) }
        case .json(.object(let object)):
            for (k, v) in object { args[k] = v }
        case .json(let other):
            throw BackendError.malformed(message: "a method call's JSON body must be an object of arguments, found \(other.kindName)")
        }
        return args
    }

    /// The document a REST `POST`/`PUT` sends: the JSON object body, or the JSON text in a
    /// form field (or query argument) named `data`, as Frappe accepts both.
    func document(limits: ServerLimits) throws -> JSONObject {
        let text: String
        switch body {
        case .json(.object(let object)):
            return object
        case .json(let other):
            throw BackendError.malformed(message: "the request body must be a JSON object (the document), found \(other.kindName)")
        case .form(let pairs):
            guard let data = pairs.first(where: { $0.0 == "data" })?.1 else {
                throw BackendError.malformed(message: "form body has no \"data\" field holding the document as JSON")
            }
            text = data
        case .none:
            guard let data = query.first(where: { $0.0 == "data" })?.1 else {
                throw BackendError.malformed(message: "no document: send a JSON object body or a form field \"data\"")
            }
            text = data
        }
        return try Arguments.object(fromJSONText: text, argument: "data", limits: limits.json)
    }
}

extension JSON {
    /// "an object", "a list", "a string", … for messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
