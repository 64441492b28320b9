import Logging
import NIOCore
import NIOEmbedded
import SiteStreamJSON
import Testing

@testable import SiteServer

/// `DocumentReadShortcut` on an embedded channel: what it answers itself, and that every
/// other request reaches the decoder's place (the channel's inbound buffer here) byte for
/// byte, in order.
@Suite("Document reads answered ahead of the HTTP decoder")
struct DocumentReadShortcutTests {
    /// A shortcut over an in-memory site with customers C-001…C-003, alone in its pipeline.
    struct Harness {
        let channel = EmbeddedChannel()
        let activity = ConnectionActivity()
        let backend = InMemoryBackend()
        let admin: APIKeyPair

        init() throws {
            admin = backend.addKey(for: "Administrator")
            backend.seed("Customer", (1...3).map { ["name": .string("C-00\($0)"), "customer_name": .string("Customer \($0)")] })
            let reader = DirectDocumentReader(reads: backend, logger: Logger(label: "test"), metrics: nil,
                                              headers: DirectReplyHeaders(serverName: "SiteStream"))
            try channel.pipeline.syncOperations.addHandler(DocumentReadShortcut(reader: reader, activity: activity))
        }

        var auth: String { "Authorization: token \(admin.apiKey):\(admin.apiSecret)\r\n" }

        func get(_ name: String, headers: String = "", version: String = "1.1") -> String {
            "GET /api/resource/Customer/\(name) HTTP/\(version)\r\nHost: x\r\n\(auth)\(headers)\r\n"
        }

        func post(_ body: String) -> String {
            "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }

        func send(_ text: String) throws { try send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) throws {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }

        /// Everything handed on to the decoder so far.
        func handedOn() throws -> String {
            var text = ""
            while let buffer = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }

        /// The replies written here so far.
        func replies() throws -> [RawHTTPClient.Reply] {
            var bytes: [UInt8] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += Array(buffer.readableBytesView) }
            return try RawHTTPClient.parseAll(bytes)
        }
    }

    static func names(_ replies: [RawHTTPClient.Reply]) -> [String?] {
        replies.map { $0.json?["data"]?["name"]?.stringValue }
    }

    @Test func aPlainReadIsAnsweredHereAndNothingReachesTheDecoder() throws {
        let h = try Harness()
        try h.send(h.get("C-002"))
        let replies = try h.replies()
        #expect(replies.map(\.status) == [200])
        #expect(Self.names(replies) == ["C-002"])
        #expect(replies.first?.header("Content-Type") == "application/json; charset=utf-8")
        #expect(replies.first?.header("Server") == "SiteStream")
        #expect(replies.first?.header("Date") != nil)
        #expect(try h.handedOn() == "")
    }

    @Test func pipelinedReadsAreAnsweredInOrder() throws {
        let h = try Harness()
        try h.send(h.get("C-003") + h.get("C-001") + h.get("C-002", headers: "Connection: keep-alive\r\n"))
        #expect(Self.names(try h.replies()) == ["C-003", "C-001", "C-002"])
        #expect(try h.handedOn() == "")
    }

    @Test func aReadSplitAnywhereIsHeldUntilWholeThenAnswered() throws {
        for cut in 1..<200 {
            let h = try Harness()
            let request = Array(h.get("C-001").utf8)
            guard cut < request.count else { break }
            try h.send(Array(request[..<cut]))
            #expect(try h.replies().isEmpty, "cut at \(cut)")
            try h.send(Array(request[cut...]))
            #expect(Self.names(try h.replies()) == ["C-001"], "cut at \(cut)")
            #expect(try h.handedOn() == "", "cut at \(cut)")
        }
    }

    @Test func readsBehindARoutedRequestGoToTheDecoderUntilItsReplyIsWritten() throws {
        let h = try Harness()
        let post = h.post(#"{"customer_name":"New"}"#)
        try h.send(post + h.get("C-001"))
        #expect(try h.replies().isEmpty)
        #expect(try h.handedOn() == post + h.get("C-001"))
        #expect(h.activity.handedOn == 2)
        // The router's replies to both are written: reads are answered here again.
        h.activity.replied = 2
        try h.send(h.get("C-002"))
        #expect(Self.names(try h.replies()) == ["C-002"])
        #expect(try h.handedOn() == "")
    }

    @Test func aBodySplitAcrossReadsIsHandedOnWholeAndTheNextRequestFramedAfterIt() throws {
        let h = try Harness()
        let body = #"{"customer_name":"Split Body","customer_type":"Company"}"#
        let post = Array(h.post(body).utf8)
        // The head and part of the body; the rest of the body with a read behind it.
        try h.send(Array(post[..<(post.count - 20)]))
        h.activity.replied = 1  // the router answered early (as with 413)
        try h.send(Array(post[(post.count - 20)...]))
        #expect(try h.handedOn() == String(decoding: post, as: UTF8.self))
        try h.send(h.get("C-003"))
        #expect(Self.names(try h.replies()) == ["C-003"])
    }

    @Test func aBodyThatLooksLikeARequestIsNeverAnswered() throws {
        let h = try Harness()
        let inner = h.get("C-001")
        let post = "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\nContent-Length: \(inner.utf8.count)\r\n\r\n\(inner)"
        h.activity.replied = 1
        try h.send(post)
        #expect(try h.replies().isEmpty)
        #expect(try h.handedOn() == post)
    }

    @Test func afterAnUnusualHeadTheRestOfTheConnectionGoesToTheDecoder() throws {
        let h = try Harness()
        let chunked = "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\n\(h.auth)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        try h.send(chunked + h.get("C-001"))
        h.activity.replied = h.activity.handedOn + 1
        try h.send(h.get("C-002"))
        #expect(try h.replies().isEmpty)
        #expect(try h.handedOn() == chunked + h.get("C-001") + h.get("C-002"))
    }

    @Test(arguments: [
        "HEAD /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.0\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\nAuthorization: token {key}:wrong\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\nAuthorization: token nokey:{secret}\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}:{secret}\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/resource/Customer/C-404 HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Nothing/C-001 HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Customer/.. HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Customer/C-001/extra HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Customer HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 0\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\n{auth}X-Odd:\u{7F}\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\n{auth} folded: line\r\n\r\n",
    ])
    func whatIsNotAPlainSuccessReachesTheDecoderUntouched(_ template: String) throws {
        let h = try Harness()
        let request = template.replacingOccurrences(of: "{auth}", with: h.auth)
            .replacingOccurrences(of: "{key}", with: h.admin.apiKey).replacingOccurrences(of: "{secret}", with: h.admin.apiSecret)
        try h.send(request)
        #expect(try h.replies().isEmpty)
        #expect(try h.handedOn() == request)
    }

    @Test func aQueryStringIsIgnoredAsTheRouterIgnoresIt() throws {
        let h = try Harness()
        try h.send("GET /api/resource/Customer/C-001?fields=%5B%22name%22%5D HTTP/1.1\r\nHost: x\r\n\(h.auth)\r\n")
        #expect(Self.names(try h.replies()) == ["C-001"])
    }

    @Test func aRevokedKeyIsRefusedAtOnce() throws {
        let h = try Harness()
        try h.send(h.get("C-001"))
        #expect(try h.replies().count == 1)
        h.backend.state.withLock { _ = $0.credentials.removeValue(forKey: h.admin.apiKey) }
        try h.send(h.get("C-001"))
        #expect(try h.replies().isEmpty)
        #expect(try h.handedOn() == h.get("C-001"))
    }

    @Test func afterAnErrorBehindItNothingMoreIsAnsweredHere() throws {
        let h = try Harness()
        h.activity.failed = true
        try h.send(h.get("C-001"))
        #expect(try h.replies().isEmpty)
        #expect(try h.handedOn() == h.get("C-001"))
    }

    @Test func anUnfinishedHeadReachesTheDecoderWhenTheConnectionEnds() throws {
        let h = try Harness()
        try h.send("GET /api/resource/Customer/C-001 HTTP/1.1\r\nHo")
        #expect(try h.handedOn() == "")
        h.channel.pipeline.fireChannelInactive()
        #expect(try h.handedOn() == "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHo")
    }
}
