import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive connection a test drives step by step: send some bytes, read one reply,
/// do something else (change a key, wait), send more on the same connection. Replies must
/// carry `Content-Length`, as the server's do.
///
/// Blocking socket calls run on a thread of their own each time, as in `RawHTTPClient`.
final class KeepAliveTestConnection: @unchecked Sendable {
    // @unchecked: the socket and buffer are used by one test at a time, one call after another.
    private let fd: Int32
    private var received: [UInt8] = []

    init(port: Int, readTimeoutSeconds: Int = 30) throws {
        fd = try RawHTTPClient.connect(port: port, timeoutSeconds: readTimeoutSeconds)
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw RawHTTPClient.ClientError.socket("send() failed: \(errno)") }
            sent += n
        }
    }

    /// The next reply on the connection.
    func reply() async throws -> RawHTTPClient.Reply {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<RawHTTPClient.Reply, any Error>) in
            Thread { done.resume(with: Result { try self.readReply() }) }.start()
        }
    }

    /// Whether the server has closed the connection (reads end of stream, nothing more sent).
    func isClosedByServer() async throws -> Bool {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Bool, any Error>) in
            Thread {
                done.resume(with: Result {
                    var byte: UInt8 = 0
                    let n = recv(self.fd, &byte, 1, 0)
                    if n > 0 { throw RawHTTPClient.ClientError.badReply("unexpected byte \(byte)") }
                    return n == 0 || errno == ECONNRESET
                })
            }.start()
        }
    }

    private func readReply() throws -> RawHTTPClient.Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            if let headEnd = received.indices.first(where: { received[$0...].starts(with: separator) }) {
                let head = String(decoding: received[..<headEnd], as: UTF8.self).lowercased()
                guard let line = head.components(separatedByCRLF: ()).first(where: { $0.hasPrefix("content-length:") }),
                      let length = Int(String(line.dropFirst("content-length:".count)).trimmed())
                else { throw RawHTTPClient.ClientError.badReply("reply without content-length") }
                let end = headEnd + 4 + length
                if received.count >= end {
                    let reply = try RawHTTPClient.parse(Array(received[..<end]))
                    received.removeFirst(end)
                    return reply
                }
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw RawHTTPClient.ClientError.socket("connection ended or recv() failed (errno \(errno))") }
            received += buffer[0..<n]
        }
    }
}
