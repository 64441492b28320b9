import Hummingbird
import NIOCore

/// The head of a reply made before the router, with the headers the router's replies carry
/// (`Content-Type`, `Content-Length`, `Date`, `Server`).
struct DirectReplyHeaders: Sendable {
    let serverName: String?

    func head(status: HTTPResponse.Status, contentLength: Int) -> HTTPResponse {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentLength: String(contentLength), .date: HTTPDate.now]
        if let serverName { fields[.server] = serverName }
        return HTTPResponse(status: status, headerFields: fields)
    }

    /// The same head as `head(status: .ok, …)` written as NIO's HTTP/1.1 encoder writes it
    /// (status line, `Name: value` lines, blank line), for replies made from the connection's
    /// bytes ahead of the encoder (`DocumentReadShortcut`).
    func writeOKHead(contentLength: Int, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ")
        buffer.writeString(String(contentLength))  // a small string: no allocation
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(HTTPDate.now)
        if let serverName {
            buffer.writeStaticString("\r\nServer: ")
            buffer.writeString(serverName)
        }
        buffer.writeStaticString("\r\n\r\n")
    }
}
