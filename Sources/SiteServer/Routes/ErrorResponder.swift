import DocumentQuery
import Hummingbird
import Logging
import SiteStreamJSON

/// The one place where errors become HTTP responses.
///
/// Every error reply has Frappe's shape, so FrappeClient and scripts written for Frappe read
/// it unchanged:
/// ```json
/// {"exc_type": "DoesNotExistError",
///  "exception": "frappe.exceptions.DoesNotExistError: Customer CUST-9 not found",
///  "exc": "[\"DoesNotExistError: Customer CUST-9 not found\"]",
///  "_server_messages": "[\"{\\\"message\\\": \\\"Customer CUST-9 not found\\\", …}\"]"}
/// ```
/// `exc` is, as in Frappe, a JSON text holding a list of strings (FrappeClient parses it and
/// raises with its first entry); it carries the error's description, never a stack trace.
/// `_server_messages` is a JSON text holding a list of JSON texts, each a message object, as
/// Frappe's desk and `frappe.call` read it.
///
/// Mapping: `BackendError` by its own `httpStatus`/`excType`; `QueryError` (a bad `fields`,
/// `filters`, `order_by` or `limit_*`) is a malformed request, 400 `DataError` — Frappe
/// answers some of these with 417 and others with 500; 400 says what happened: the request
/// was wrong and nothing was done. Hummingbird's own errors keep their status (404 for an
/// unknown route, 413 for an oversized body). Anything else is 500 with no detail sent and
/// the error logged.
enum ErrorResponder {
    static func response(for error: any Error, request: Request, logger: Logger) -> Response {
        let (status, body) = reply(for: error, method: request.method, path: request.uri.path, logger: logger)
        return JSONReply.response(status: status, body: body)
    }

    /// The status and body for `error` (a request answered before the router replies
    /// through this too).
    static func reply(for error: any Error, method: HTTPRequest.Method, path: String, logger: Logger) -> (status: HTTPResponse.Status, body: JSON) {
        let backendError: BackendError
        switch error {
        case let e as BackendError:
            backendError = e
        case let e as QueryError:
            backendError = .malformed(message: e.description)
        case let e as JSONParseError:
            backendError = .malformed(message: "request body: \(e.description)")
        case let e as any HTTPResponseError:
            switch e.status.code {
            case 413:
                backendError = .tooLarge(message: "request body is over the server's limit")
            case 404:
                backendError = .notFound(doctype: "", name: nil, message: "no route for \(method) \(path)")
            case 405:
                return (.methodNotAllowed, errorBody(excType: "MethodNotAllowed", message: "\(method) is not allowed on \(path)"))
            case 400..<500:
                backendError = .malformed(message: "bad request (\(e.status.code))")
            default:
                logger.error("request failed", metadata: ["path": .string(path), "error": .string("\(e)")])
                return (.init(code: e.status.code), errorBody(excType: "ServerError", message: "internal error"))
            }
        default:
            logger.error("request failed", metadata: ["path": .string(path), "error": .string("\(error)")])
            return (.internalServerError, errorBody(excType: "ServerError", message: "internal error; see the server log"))
        }
        return (.init(code: backendError.httpStatus), errorBody(excType: backendError.excType, message: backendError.message))
    }

    static func errorResponse(status: HTTPResponse.Status, excType: String, message: String) -> Response {
        JSONReply.response(status: status, body: errorBody(excType: excType, message: message))
    }

    static func errorBody(excType: String, message: String) -> JSON {
        let serverMessage: JSON = ["message": .string(message), "title": "Message", "indicator": "red", "raise_exception": 1]
        return [
            "exc_type": .string(excType),
            "exception": .string("frappe.exceptions.\(excType): \(message)"),
            "exc": .string(JSON.array([.string("\(excType): \(message)")]).serializedString()),
            "_server_messages": .string(JSON.array([.string(serverMessage.serializedString())]).serializedString()),
        ]
    }
}

/// JSON replies.
enum JSONReply {
    static func response(status: HTTPResponse.Status = .ok, body: JSON) -> Response {
        let bytes = body.serialized()
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"data": value}`, the REST API's reply.
    static func data(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
        response(status: status, body: .object(JSONObject([("data", value)])))
    }

    /// `{"data": value}` where `value` is already JSON text.
    static func data(jsonText: [UInt8]) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(jsonText.count + 9)
        buffer.writeString(#"{"data":"#)
        buffer.writeBytes(jsonText)
        buffer.writeString("}")
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: buffer))
    }

    /// `{"message": value}`, the method API's reply; `{}` when the method returned nothing,
    /// as Frappe leaves `message` out for a `None` result.
    static func message(_ value: JSON?, status: HTTPResponse.Status = .ok) -> Response {
        guard let value else { return response(status: status, body: .object(JSONObject())) }
        return response(status: status, body: .object(JSONObject([("message", value)])))
    }
}
