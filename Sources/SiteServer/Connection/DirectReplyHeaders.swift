import Hummingbird

/// The head of a reply made before the router, with the headers the router's replies carry
/// (`Content-Type`, `Content-Length`, `Date`, `Server`).
struct DirectReplyHeaders: Sendable {
    let serverName: String?

    func head(status: HTTPResponse.Status, contentLength: Int) -> HTTPResponse {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentLength: String(contentLength), .date: HTTPDate.now]
        if let serverName { fields[.server] = serverName }
        return HTTPResponse(status: status, headerFields: fields)
    }
}
