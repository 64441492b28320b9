import DocumentQuery
import Hummingbird
import SiteStreamJSON

/// Frappe's REST resource API:
/// - `GET /api/resource/{doctype}` → `{"data": [rows]}` (`fields`, `filters`, `or_filters`,
///   `order_by`, `limit_start`, `limit_page_length`; 20 rows of `name` by default, never more
///   than the server's cap)
/// - `POST /api/resource/{doctype}` (the document as a JSON body or form field `data`)
///   → `{"data": document}`
/// - `GET /api/resource/{doctype}/{name}` → `{"data": document}`
/// - `PUT /api/resource/{doctype}/{name}` (changed fields, as for POST) → `{"data": document}`
/// - `DELETE /api/resource/{doctype}/{name}` → 202 `{"message": "ok"}`, as Frappe replies
extension SiteServer {
    func addRESTRoutes(to router: Router<SiteRequestContext>) {
        let backend = self.backend
        let limits = configuration.limits
        let methods = ClientMethods(backend: backend, limits: limits)

        router.get("/api/resource/:doctype") { request, context in
            let user = try context.requireUser()
            let doctype = try Self.pathDocType(context)
            let input = try await RequestInput.read(request, limits: limits)
            let query = try ListQuery(arguments: try input.arguments())
            let rows = try await methods.list(doctype: doctype, query: query, user: user)
            return JSONReply.data(.array(rows.map(JSON.object)))
        }

        // Usually started before the router (DirectDocumentInsert); here when it cannot be.
        router.post(RouterPath(DirectDocumentInsert.route)) { request, context in
            let user = try context.requireUser()
            let doctype = try Self.pathDocType(context)
            var document = try await RequestInput.read(request, limits: limits).document(limits: limits)
            document["doctype"] = .string(doctype)
            return JSONReply.data(.object(try await backend.insert(doctype: doctype, document: document, user: user)))
        }

        // Usually answered before the router (DirectDocumentReader); here when it cannot be.
        router.get(RouterPath(DirectDocumentReader.route)) { request, context in
            let user = try context.requireUser()
            let (doctype, name) = try Self.pathDocument(context)
            return JSONReply.data(jsonText: try await backend.getJSONText(doctype: doctype, name: name, user: user))
        }

        router.put("/api/resource/:doctype/:name") { request, context in
            let user = try context.requireUser()
            let (doctype, name) = try Self.pathDocument(context)
            let document = try await RequestInput.read(request, limits: limits).document(limits: limits)
            let patch = ClientMethods.patch(from: document)
            return JSONReply.data(.object(try await backend.update(doctype: doctype, name: name, patch: patch, user: user)))
        }

        router.delete("/api/resource/:doctype/:name") { request, context in
            let user = try context.requireUser()
            let (doctype, name) = try Self.pathDocument(context)
            try await backend.delete(doctype: doctype, name: name, user: user)
            return JSONReply.message("ok", status: .accepted)
        }

        // A name with an unencoded '/' splits into more path segments than any route has.
        router.on("/api/resource/:doctype/:name/**", method: .get, use: Self.unencodedSlash)
        router.on("/api/resource/:doctype/:name/**", method: .put, use: Self.unencodedSlash)
        router.on("/api/resource/:doctype/:name/**", method: .delete, use: Self.unencodedSlash)
    }

    @Sendable static func unencodedSlash(_ request: Request, _ context: SiteRequestContext) throws -> Response {
        _ = try context.requireUser()
        throw BackendError.notFound(
            doctype: "", name: nil,
            message: "no route for \(request.uri.path): a document name containing '/' must be sent percent-encoded as %2F")
    }

    static func pathDocType(_ context: SiteRequestContext) throws -> String {
        guard let raw = context.parameters.get("doctype") else {
            throw BackendError.malformed(message: "missing DocType in the path")
        }
        return try PathSegment.decode(Substring(raw), as: .doctype)
    }

    static func pathDocument(_ context: SiteRequestContext) throws -> (String, String) {
        let doctype = try pathDocType(context)
        guard let raw = context.parameters.get("name") else {
            throw BackendError.malformed(message: "missing document name in the path")
        }
        return (doctype, try PathSegment.decode(Substring(raw), as: .name))
    }
}
