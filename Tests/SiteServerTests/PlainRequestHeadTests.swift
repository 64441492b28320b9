import Testing

@testable import SiteServer

/// `PlainRequestHead`, the narrow head reader ahead of the HTTP decoder: what it frames, what
/// it calls a plain document read, and that anything doubtful is `.unusual`.
@Suite("Plain request heads")
struct PlainRequestHeadTests {
    static let plainGet = "GET /api/resource/Customer/C-001 HTTP/1.1\r\nHost: x\r\nAuthorization: token k:s\r\n\r\n"

    static func scan(_ text: String) -> PlainRequestHead.Scan {
        Array(text.utf8).withUnsafeBytes { PlainRequestHead.scan($0) }
    }

    static func head(_ text: String) -> PlainRequestHead? {
        if case .head(let head) = scan(text) { return head }
        return nil
    }

    @Test func aPlainGetIsADocumentReadWithItsTargetAndCredentials() throws {
        let bytes = Array((Self.plainGet + "GET /next").utf8)
        let head = try #require(Self.head(Self.plainGet + "GET /next"))
        #expect(head.length == Self.plainGet.utf8.count)
        #expect(head.bodyLength == 0)
        let read = try #require(head.documentRead)
        #expect(String(decoding: bytes[read.target], as: UTF8.self) == "/api/resource/Customer/C-001")
        #expect(String(decoding: bytes[read.authorization], as: UTF8.self) == "token k:s")
    }

    @Test func everyPrefixOfAPlainHeadIsIncomplete() {
        let bytes = Array(Self.plainGet.utf8)
        for cut in 0..<bytes.count {
            let scan = bytes[..<cut].withUnsafeBytes { PlainRequestHead.scan($0) }
            #expect(scan == .incomplete, "cut at \(cut)")
        }
    }

    @Test(arguments: [
        // Read as a request, but not answered before the router.
        "HEAD /api/resource/Customer/C-001 HTTP/1.1\r\nAuthorization: token k:s\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.0\r\nAuthorization: token k:s\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nAuthorization: token k:s\r\nAuthorization: token k:s\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nAuthorization: token k:s\r\nConnection: close\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nAuthorization: token k:s\r\nExpect: 100-continue\r\n\r\n",
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nAuthorization: token k:s\r\nContent-Length: 0\r\n\r\n",
        "GET /api/resource/Customer/C\"1 HTTP/1.1\r\nAuthorization: token k:s\r\n\r\n",
        "GET /api/method/frappe.client.get HTTP/1.1\r\nAuthorization: token k:s\r\n\r\n",
        "POST /api/resource/Customer HTTP/1.1\r\nAuthorization: token k:s\r\nContent-Length: 2\r\n\r\n",
    ])
    func requestsThatAreNotPlainReadsAreFramedButNotAnswered(_ text: String) throws {
        let head = try #require(Self.head(text))
        #expect(head.documentRead == nil)
        #expect(head.length == text.utf8.count)
    }

    @Test func aPlainReadMayAskToKeepTheConnectionAliveAndCarryOtherHeaders() throws {
        let text = "GET /api/resource/Sales%20Invoice/SINV%2F1?fields=%5B%22name%22%5D HTTP/1.1\r\nHost: x\r\n"
            + "Connection: Keep-Alive\r\nAccept:*/*\r\nUser-Agent: python-requests/2.31\r\nauthorization:\tBasic  a2V5OnNlY3JldA== \t\r\n\r\n"
        let read = try #require(Self.head(text)?.documentRead)
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[read.authorization], as: UTF8.self) == "Basic  a2V5OnNlY3JldA==")
    }

    @Test func contentLengthFramesTheBody() throws {
        let head = try #require(Self.head("PUT /api/resource/Customer/C-001 HTTP/1.1\r\ncontent-length:  17 \r\n\r\n{"))
        #expect(head.bodyLength == 17)
        #expect(head.documentRead == nil)
    }

    @Test(arguments: [
        "GET /api/resource/Customer/C-001 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: +2\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 1234567890\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n",
        "GET /x HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
        "GET /x HTTP/1.1\r\nContent-Length : 2\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET /x HTTP/1.1\nHost: x\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: x\n\r\n",
        "GET /x HTTP/1.1\r\nHost: x\ry\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: caf\u{E9}\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: \u{7F}\r\n\r\n",
        "GET /x HTTP/2.0\r\n\r\n",
        "GET /x  HTTP/1.1\r\n\r\n",
        "GET http://example.com/x HTTP/1.1\r\n\r\n",
        "get /x HTTP/1.1\r\n\r\n",
        "\r\nGET /x HTTP/1.1\r\n\r\n",
        "GET /x HTTP/1.1\r\n: empty name\r\n\r\n",
        "NOT HTTP AT ALL\r\n\r\n",
    ])
    func anythingDoubtfulIsUnusual(_ text: String) {
        #expect(Self.scan(text) == .unusual)
    }

    @Test func anOverlongHeadIsUnusualEvenUnfinished() {
        let long = "GET /x HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: PlainRequestHead.maxLength)
        #expect(Self.scan(long) == .unusual)
        #expect(Self.scan(long + "\r\n\r\n") == .unusual)
    }
}
