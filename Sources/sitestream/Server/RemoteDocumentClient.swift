import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import SiteServer
import SiteStreamJSON
import Streaming

/// Goes through the server that holds the site, over its Frappe REST API, authenticated with
/// the local administrator credential from `server.json`.
struct RemoteDocumentClient: DocumentClient {
    let server: ServerFile

    func insert(_ doctype: String, _ data: JSONObject) async throws -> JSONObject {
        try await call("POST", "/api/resource/\(segment(doctype))", body: .object(data)).document("data")
    }

    func update(_ doctype: String, _ name: String, _ changes: JSONObject) async throws -> JSONObject {
        try await call("PUT", "/api/resource/\(segment(doctype))/\(segment(name))", body: .object(changes)).document("data")
    }

    func submit(_ doctype: String, _ name: String) async throws -> JSONObject {
        try await call("POST", "/api/method/frappe.client.submit",
                       body: ["doc": ["doctype": .string(doctype), "name": .string(name)]]).document("message")
    }

    func cancel(_ doctype: String, _ name: String) async throws -> JSONObject {
        _ = try await call("POST", "/api/method/frappe.client.cancel", body: ["doctype": .string(doctype), "name": .string(name)])
        return try await get(doctype, name)
    }

    func delete(_ doctype: String, _ name: String) async throws {
        _ = try await call("DELETE", "/api/resource/\(segment(doctype))/\(segment(name))", body: nil)
    }

    func get(_ doctype: String, _ name: String) async throws -> JSONObject {
        try await call("GET", "/api/resource/\(segment(doctype))/\(segment(name))", body: nil).document("data")
    }

    func list(_ doctype: String, filters: JSONObject, start: Int, limit: Int) async throws -> [JSONObject] {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "fields", value: #"["*"]"#),
            URLQueryItem(name: "filters", value: JSON.object(filters).serializedString()),
            URLQueryItem(name: "limit_start", value: String(start)),
            URLQueryItem(name: "limit_page_length", value: String(limit)),
            URLQueryItem(name: "order_by", value: "name asc"),
        ]
        let reply = try await call("GET", "/api/resource/\(segment(doctype))?\(query.percentEncodedQuery ?? "")", body: nil)
        return (reply["data"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    func createKey(for user: String) async throws -> APIKeyPair {
        // The server stores a User's api_secret as its salted hash, never as sent.
        let pair = APIKeyPair.generate()
        _ = try await update("User", user, ["api_key": .string(pair.apiKey), "api_secret": .string(pair.apiSecret)])
        return pair
    }

    // MARK: HTTP

    func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    func call(_ method: String, _ path: String, body: JSON?) async throws -> JSON {
        guard let url = URL(string: server.url + path) else { throw CLIError("bad server URL \(server.url)\(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("token \(server.apiKey):\(server.apiSecret)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.serialized())
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("cannot reach the server holding this site at \(server.url): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSON(parsing: [UInt8](data))) ?? .null
        guard (200..<300).contains(status) else {
            let message = json["exception"]?.stringValue ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw CLIError("\(message) (HTTP \(status) from the server at \(server.url))")
        }
        return json
    }
}

private extension JSON {
    func document(_ key: String) throws -> JSONObject {
        guard let object = self[key]?.objectValue else { throw CLIError("the server's reply has no '\(key)' object") }
        return object
    }
}

/// The consumer-side streaming routes of a served site (`SubscriptionRoutes` in SiteServer).
extension RemoteDocumentClient {
    /// This site's subscriptions; with `lag`, each producer is asked for the lag per DocType.
    func subscriptions(lag: Bool) async throws -> [StreamConsumer.ProducerStatus] {
        let reply = try await call("GET", "/api/stream/subscriptions" + (lag ? "?lag=1" : ""), body: nil)
        return try (reply["message"]?.arrayValue ?? []).map(StreamConsumer.ProducerStatus.init(json:))
    }

    /// Pulls now, through the server's pull loops; one report object per producer.
    func pull(producer: String?) async throws -> [JSON] {
        let reply = try await call("POST", "/api/stream/pull" + (producer.map { "?producer=\(segment($0))" } ?? ""), body: nil)
        return reply["message"]?.arrayValue ?? []
    }
}
