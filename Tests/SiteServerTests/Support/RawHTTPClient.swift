import Foundation
import SiteStreamJSON

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket, so tests control every byte sent (paths
/// exactly as written, malformed request lines) and read every byte back.
///
/// Each request opens a connection, sends `Connection: close`, and reads to end of stream.
/// Socket calls block, so each exchange runs on a thread of its own, never on Swift's
/// cooperative pool nor on Dispatch's global queues (which on Linux carry that pool): blocked
/// there, they would starve the server's handlers. Every read has a generous timeout so a broken server
/// fails a test instead of hanging it.
struct RawHTTPClient: Sendable {
    let port: Int
    var readTimeoutSeconds = 30

    struct Reply: Sendable, CustomStringConvertible {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSON? { try? JSON(parsing: body) }
        func header(_ name: String) -> String? {
            headers.first(where: { $0.0.lowercased() == name.lowercased() })?.1
        }
        var description: String { "HTTP \(status) \(text)" }
    }

    enum ClientError: Error, CustomStringConvertible {
        case socket(String)
        case badReply(String)
        var description: String {
            switch self {
            case .socket(let s): return "socket: \(s)"
            case .badReply(let s): return "bad reply: \(s)"
            }
        }
    }

    /// Sends a request built from parts.
    func send(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> Reply {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try await sendRaw(Array(head.utf8) + (body ?? []))
    }

    /// Sends `bytes` as they are and reads the reply to end of stream.
    func sendRaw(_ bytes: [UInt8]) async throws -> Reply {
        try Self.parse(try await exchangeRaw(bytes))
    }

    /// Sends `bytes` as they are and returns every byte received until the server closes.
    func exchangeRaw(_ bytes: [UInt8]) async throws -> [UInt8] {
        let port = self.port
        let timeout = readTimeoutSeconds
        let raw = try await withCheckedThrowingContinuation { (cont: CheckedContinuation<[UInt8], any Error>) in
            let thread = Thread {
                cont.resume(with: Result { try Self.exchange(bytes, port: port, timeoutSeconds: timeout) })
            }
            thread.start()
        }
        return raw
    }

    private static func exchange(_ bytes: [UInt8], port: Int, timeoutSeconds: Int) throws -> [UInt8] {
        let fd = try connect(port: port, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may answer (413) and close before taking the whole body: stop sending.
            if n <= 0 { break }
            sent += n
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                reply.append(contentsOf: buffer[0..<n])
            } else if n == 0 {
                break
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                throw ClientError.socket("no reply within \(timeoutSeconds) s")
            } else if errno == ECONNRESET, !reply.isEmpty {
                break
            } else {
                throw ClientError.socket("recv() failed: \(errno)")
            }
        }
        return reply
    }

    /// A blocking loopback socket connected to `port`, whose reads time out after `timeoutSeconds`.
    static func connect(port: Int, timeoutSeconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.socket("socket() failed: \(errno)") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw ClientError.socket("connect() failed: \(errno)")
        }
        return fd
    }

    /// Parses one response: status line, headers, and a body by Content-Length, chunked
    /// encoding, or to the end.
    static func parse(_ raw: [UInt8]) throws -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else {
            throw ClientError.badReply("no end of headers in \(raw.count) bytes: \(String(decoding: raw, as: UTF8.self))")
        }
        let lines = String(decoding: raw[..<headEnd], as: UTF8.self).components(separatedByCRLF: ())
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ClientError.badReply("status line \(lines[0])")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmed()))
        }
        var body = Array(raw[(headEnd + 4)...])
        let find = { (name: String) in headers.first(where: { $0.0.lowercased() == name })?.1 }
        if let length = find("content-length").flatMap(Int.init) {
            body = Array(body.prefix(length))
        } else if find("transfer-encoding")?.lowercased() == "chunked" {
            body = try dechunk(body)
        }
        return Reply(status: status, headers: headers, body: body)
    }

    /// Splits a stream of several responses (keep-alive, pipelined) that all carry
    /// `Content-Length`.
    static func parseAll(_ raw: [UInt8]) throws -> [Reply] {
        var replies: [Reply] = []
        var rest = raw[...]
        let separator: [UInt8] = [13, 10, 13, 10]
        while !rest.isEmpty {
            guard let headEnd = rest.indices.first(where: { rest[$0...].starts(with: separator) }) else {
                throw ClientError.badReply("truncated response after \(replies.count) complete ones")
            }
            let head = String(decoding: rest[rest.startIndex..<headEnd], as: UTF8.self).lowercased()
            guard let line = head.components(separatedByCRLF: ()).first(where: { $0.hasPrefix("content-length:") }),
                let length = Int(String(line.dropFirst("content-length:".count)).trimmed())
            else { throw ClientError.badReply("response without content-length") }
            let end = headEnd + 4 + length
            replies.append(try parse(Array(rest[rest.startIndex..<end])))
            rest = rest[end...]
        }
        return replies
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = bytes[i...].indices.first(where: { bytes[$0] == 13 }) else { break }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { throw ClientError.badReply("chunk size \(sizeText)") }
            if size == 0 { break }
            let start = lineEnd + 2
            out.append(contentsOf: bytes[start..<min(start + size, bytes.count)])
            i = start + size + 2
        }
        return out
    }
}

extension String {
    func components(separatedByCRLF: Void) -> [String] {
        var parts: [String] = []
        var current = ""
        var iterator = unicodeScalars.makeIterator()
        while let s = iterator.next() {
            if s == "\r" { continue }
            if s == "\n" {
                parts.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(s)
            }
        }
        parts.append(current)
        return parts
    }

    func trimmed() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
