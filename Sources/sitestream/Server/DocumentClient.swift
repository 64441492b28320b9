import DocumentModel
import Foundation
import SiteServer
import SiteStreamJSON

/// What the `doc` and `keys` commands do to a site, whether they open it themselves
/// (`LocalDocumentClient`) or go through the server that holds it (`RemoteDocumentClient`).
protocol DocumentClient: Sendable {
    func insert(_ doctype: String, _ data: JSONObject) async throws -> JSONObject
    func update(_ doctype: String, _ name: String, _ changes: JSONObject) async throws -> JSONObject
    func submit(_ doctype: String, _ name: String) async throws -> JSONObject
    func cancel(_ doctype: String, _ name: String) async throws -> JSONObject
    func delete(_ doctype: String, _ name: String) async throws
    func get(_ doctype: String, _ name: String) async throws -> JSONObject
    /// Documents in name order whose fields equal `filters`.
    func list(_ doctype: String, filters: JSONObject, start: Int, limit: Int) async throws -> [JSONObject]
    func createKey(for user: String) async throws -> APIKeyPair
}

/// Picks how to reach the site `options` names: through its server when one runs (found by
/// `server.json`), otherwise by opening the directory. The user never has to care which.
enum SiteSession {
    static func documents(_ options: SiteOptions) throws -> any DocumentClient {
        let layout = try options.layout()
        if let server = ServerFile.live(layout) {
            return RemoteDocumentClient(server: server)
        }
        return LocalDocumentClient(layout: layout)
    }
}
