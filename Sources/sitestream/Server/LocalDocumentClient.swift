import DocumentModel
import Foundation
import Site
import SiteServer
import SiteStreamJSON
import Streaming

/// Opens the site directory for each operation (no server holds it).
struct LocalDocumentClient: DocumentClient {
    let layout: SiteLayout

    private func withSite<T: Sendable>(_ body: (Site) async throws -> T) async throws -> T {
        let site = try Site.open(at: layout, controllers: .sitestream, logger: CLILogging.logger())
        do {
            let value = try await body(site)
            try site.close()
            return value
        } catch {
            try? site.close()
            throw error
        }
    }

    func insert(_ doctype: String, _ data: JSONObject) async throws -> JSONObject {
        var object = data
        object["doctype"] = .string(doctype)
        let input = Document(object)
        return try await withSite { site in try await site.write { tx in try tx.insert(input).object } }
    }

    func update(_ doctype: String, _ name: String, _ changes: JSONObject) async throws -> JSONObject {
        try await withSite { site in try await site.write { tx in try tx.update(doctype, name, with: changes).object } }
    }

    func submit(_ doctype: String, _ name: String) async throws -> JSONObject {
        try await withSite { site in try await site.write { tx in try tx.submit(doctype, name).object } }
    }

    func cancel(_ doctype: String, _ name: String) async throws -> JSONObject {
        try await withSite { site in try await site.write { tx in try tx.cancel(doctype, name).object } }
    }

    func delete(_ doctype: String, _ name: String) async throws {
        try await withSite { site in try await site.write { tx in try tx.delete(doctype, name) } }
    }

    func get(_ doctype: String, _ name: String) async throws -> JSONObject {
        try await withSite { site in
            guard site.schema[doctype] != nil else {
                throw SiteError(.notFound, "DocType \(doctype) not found on this site", doctype: doctype)
            }
            guard let document = try site.get(doctype, name) else {
                throw SiteError(.notFound, "\(doctype) \(name) not found", doctype: doctype, docname: name)
            }
            return SiteDocumentBackend(site: site).redacted(document.object, doctype: doctype)
        }
    }

    func list(_ doctype: String, filters: JSONObject, start: Int, limit: Int) async throws -> [JSONObject] {
        try await withSite { site in
            let backend = SiteDocumentBackend(site: site)
            return try site.list(doctype, offset: start, limit: limit) { document in
                filters.allSatisfy { key, value in document[key] == value }
            }.map { backend.redacted($0.object, doctype: doctype) }
        }
    }

    func createKey(for user: String) async throws -> APIKeyPair {
        try await withSite { site in try await UserCredentialStore(site: site).createKey(for: user) }
    }
}
