import EventLog
import Foundation
import Hummingbird
import SiteStreamJSON
import Streaming

/// Offline bundles on a served site, for the command line on the same machine: the paths are
/// the server's own files, so only the local process credential (`server.json`, readable by the
/// site's owner) may ask; any other key gets 403.
/// - `POST /api/stream/export` `{"consumer", "out", "from"?, "to"?}` → `ExportReport.json`
/// - `POST /api/stream/import` `{"path", "producer"?}` → `ImportReport.json(path:)`; waits for a
///   running pull from that producer to end (an import replays through the pull path)
extension SiteServer {
    func addBundleRoutes(to router: Router<SiteRequestContext>, endpoints: StreamEndpoints) {
        let limits = configuration.limits
        let (producer, consumer) = (endpoints.producer, endpoints.consumer)

        router.post("/api/stream/export") { request, context in
            let arguments = try await Self.localFileRequest(request, context, limits: limits, what: "export a bundle")
            guard let name = arguments["consumer"]?.stringValue, !name.isEmpty, let out = arguments["out"]?.stringValue, !out.isEmpty else {
                throw BackendError.malformed(message: "an export takes {\"consumer\": NAME, \"out\": PATH, \"from\"?: CURSOR, \"to\"?: CURSOR}")
            }
            let from = try Self.optionalCursor(arguments["from"], "from"), through = try Self.optionalCursor(arguments["to"], "to")
            // "To now" means every write acknowledged before this request, synced or not yet.
            await producer.site.log.waitUntilWrittenIsDurable()
            // Off the event loop: the export reads and writes files.
            let report = try await Self.streaming {
                try await Task.detached { try producer.exportBundle(consumer: name, to: out, from: from, through: through) }.value
            }
            return JSONReply.message(report.json)
        }

        router.post("/api/stream/import") { request, context in
            let arguments = try await Self.localFileRequest(request, context, limits: limits, what: "import a bundle")
            guard let path = arguments["path"]?.stringValue, !path.isEmpty else {
                throw BackendError.malformed(message: "an import takes {\"path\": PATH, \"producer\"?: NAME}")
            }
            let only = arguments["producer"]?.stringValue
            let report = try await Self.streaming {
                try await ConsumerOperations.afterRunningPull { try await consumer.importBundle(at: path, producer: only) }
            }
            return JSONReply.message(report.json(path: path))
        }
    }

    static func localFileRequest(_ request: Request, _ context: SiteRequestContext, limits: ServerLimits,
                                 what: String) async throws -> JSONObject {
        guard try context.requireUser().isLocalProcess else {
            throw BackendError.permission(message: "only the command line on the server's machine (server.json's credential) may \(what) by path")
        }
        let body = try await RequestInput.collectBody(request, limits: limits)
        guard let object = (try? JSON(parsing: body))?.objectValue else { throw BackendError.malformed(message: "the body must be a JSON object") }
        return object
    }

    static func optionalCursor(_ value: JSON?, _ name: String) throws -> LogCursor? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        guard let cursor = LogCursor(string: text) else { throw BackendError.malformed(message: "\(name) \(text) is not a cursor (SEGMENT:OFFSET)") }
        return cursor
    }
}
