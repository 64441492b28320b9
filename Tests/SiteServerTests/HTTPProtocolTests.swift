import SiteStreamJSON
import Testing

@testable import SiteServer

@Suite("HTTP-level robustness")
struct HTTPProtocolTests {
    @Test(arguments: [
        "GARBAGE\r\n\r\n",
        "GET /api/method/ping HTTP/9.9.9\r\n\r\n",
        "GET /api/method/ping\r\n\r\n",
        "GET  HTTP/1.1\r\nHost: x\r\n\r\n",
        "\u{1}\u{2}\u{3}\r\n\r\n",
        "GET /api/method/ping HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
    ])
    func malformedRequestsGet400AndTheServerKeepsServing(raw: String) async throws {
        try await TestServer.with { server in
            let reply = try await server.client.sendRaw(Array(raw.utf8))
            #expect(reply.status == 400, "\(reply)")
            // Other connections are unaffected.
            let ping = try await server.get("/api/method/ping", auth: false)
            #expect(ping.json == ["message": "pong"])
        }
    }

    @Test func keepAliveConnectionsServeSeveralRequestsInOrder() async throws {
        try await TestServer.with { server in
            server.seedCustomers(3)
            let auth = "Authorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            var raw = ""
            for name in ["C-001", "C-404", "C-003"] {
                raw += "GET /api/resource/Customer/\(name) HTTP/1.1\r\nHost: x\r\n\(auth)\r\n"
            }
            let body = #"{"customer_name":"Kept Alive"}"#
            raw += "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            let bytes = try await server.client.exchangeRaw(Array(raw.utf8))
            let replies = try RawHTTPClient.parseAll(bytes)
            #expect(replies.map(\.status) == [200, 404, 200, 200])
            #expect(replies[0].json?["data"]?["name"] == "C-001")
            #expect(replies[2].json?["data"]?["name"] == "C-003")
            #expect(replies[3].json?["data"]?["customer_name"] == "Kept Alive")
        }
    }

    @Test func aBodyThatNeverArrivesGets408() async throws {
        try await TestServer.with(configure: { $0.bodyReadTimeout = .milliseconds(200) }) { server in
            var raw = "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            raw += "Authorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            raw += "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"customer_name\""
            let reply = try await server.client.sendRaw(Array(raw.utf8))
            expectError(reply, status: 408, excType: "RequestTimeout", contains: "did not arrive")
            #expect(server.backend.writes.isEmpty)
            let ping = try await server.get("/api/method/ping", auth: false)
            #expect(ping.status == 200)
        }
    }

    @Test func declaredOversizeBodiesAreRefusedBeforeTheyAreSent() async throws {
        try await TestServer.with(configure: { $0.maxBodyBytes = 100 }) { server in
            var raw = "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            raw += "Authorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            raw += "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"
            let reply = try await server.client.sendRaw(Array(raw.utf8))
            expectError(reply, status: 413, excType: "RequestEntityTooLarge", contains: "1000000000 bytes")
        }
    }

    @Test func unplannedBackendFailuresAre500WithoutDetails() async throws {
        try await TestServer.with { server in
            let reply = try await server.get("/api/resource/Broken/x")
            expectError(reply, status: 500, excType: "ServerError", contains: "internal error")
            #expect(!reply.text.contains("disk on fire"))
            #expect(server.logs.all.contains { $0.contains("disk on fire") })
            let ping = try await server.get("/api/method/ping", auth: false)
            #expect(ping.status == 200)
        }
    }

    @Test func stoppingTheServerReleasesItsPort() async throws {
        var port = 0
        try await TestServer.with { server in
            port = server.port
            let ping = try await server.get("/api/method/ping", auth: false)
            #expect(ping.status == 200)
        }
        // After shutdown nothing listens there: a connection is refused (polled, since the
        // listening socket closes as the service group winds down).
        var refused = false
        for _ in 0..<200 {
            do {
                _ = try await RawHTTPClient(port: port).send("GET", "/api/method/ping")
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                refused = true
                break
            }
        }
        #expect(refused)
    }

    @Test func unsupportedMethodsOnKnownPaths() async throws {
        try await TestServer.with { server in
            let reply = try await server.client.send("PATCH", "/api/resource/Customer/C-1", headers: [server.adminToken])
            #expect(reply.status == 404 || reply.status == 405, "\(reply)")
            #expect(reply.json?["exc_type"] != nil)
        }
    }
}

@Suite("API keys and secrets")
struct CredentialTests {
    @Test func hashesVerifyOnlyTheirSecret() {
        let pair = APIKeyPair.generate()
        let hash = pair.secretHash()
        #expect(hash.verify(secret: pair.apiSecret))
        #expect(!hash.verify(secret: pair.apiSecret + "x"))
        #expect(!hash.verify(secret: String(pair.apiSecret.dropLast())))
        #expect(!hash.verify(secret: ""))
        // Fresh salt each time: equal secrets, different hashes.
        let again = APISecretHash.make(secret: pair.apiSecret)
        #expect(again.salt != hash.salt)
        #expect(again.digest != hash.digest)
        #expect(again.verify(secret: pair.apiSecret))
    }

    @Test func encodedFormRoundTripsAndNeverHoldsTheSecret() throws {
        let pair = APIKeyPair.generate()
        let hash = pair.secretHash()
        let text = hash.encoded
        #expect(text.hasPrefix("sha256$"))
        #expect(!text.contains(pair.apiSecret))
        let decoded = try #require(APISecretHash(encoded: text))
        #expect(decoded == hash)
        #expect(decoded.verify(secret: pair.apiSecret))
        for bad in ["", "sha256$00$00", "md5$" + text.dropFirst(7), text + "0", "sha256$zz$zz", text.replacingFirst("$", with: "#")] {
            #expect(APISecretHash(encoded: bad) == nil, "\(bad)")
        }
    }

    @Test func generatedPairsAreURLSafeAndDistinct() {
        var keys = Set<String>()
        var secrets = Set<String>()
        let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for _ in 0..<200 {
            let pair = APIKeyPair.generate()
            #expect(pair.apiKey.count == 20)
            #expect(pair.apiSecret.count == 43)
            #expect(pair.apiKey.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(pair.apiSecret.allSatisfy { urlSafe.contains($0) })
            keys.insert(pair.apiKey)
            secrets.insert(pair.apiSecret)
        }
        #expect(keys.count == 200)
        #expect(secrets.count == 200)
    }

    @Test func authorizationHeadersParseAndHideTheSecret() throws {
        let token = try APICredentials(authorizationHeader: "token abc:s3cr:et")
        #expect(token == APICredentials(apiKey: "abc", apiSecret: "s3cr:et"))
        let basic = try APICredentials(authorizationHeader: "basic " + Base64.encodeStandard(Array("k:v".utf8)))
        #expect(basic == APICredentials(apiKey: "k", apiSecret: "v"))
        #expect(try APICredentials(authorizationHeader: basic.basicHeader) == basic)
        #expect(try APICredentials(authorizationHeader: token.tokenHeader) == token)
        #expect(!"\(token)".contains("s3cr"))
        for bad in ["token", "token abc", "Basic ###", "Digest a:b", "token :x", "token x:"] {
            let error = #expect(throws: BackendError.self) { try APICredentials(authorizationHeader: bad) }
            #expect(error?.httpStatus == 401)
        }
    }

    @Test func base64MatchesKnownVectors() {
        let vectors: [(String, String)] = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encodeStandard(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.decode("Z") == nil)
    }
}

@Suite("Form and path decoding")
struct FormEncodingTests {
    @Test func formPairsDecodePlusAndPercent() throws {
        let pairs = try FormEncoding.decode("a=1&b=x+y%2Bz&empty=&flag&c=%E2%82%AC")
        #expect(pairs.map { $0.0 } == ["a", "b", "empty", "flag", "c"])
        #expect(pairs.map { $0.1 } == ["1", "x y+z", "", "", "€"])
        #expect(throws: BackendError.self) { try FormEncoding.decode("a=%G1") }
        #expect(throws: BackendError.self) { try FormEncoding.decode("a=%E2%82") }
        #expect(throws: BackendError.self) { try FormEncoding.decode("a=%") }
    }

    @Test func encodeThenDecodeIsIdentity() throws {
        for text in ["plain", "a b&c=d", "[[\"Customer\",\"name\",\"like\",\"%x_\"]]", "ünïcødé €", "+%"] {
            let pairs = try FormEncoding.decode(Substring("k=" + FormEncoding.encode(text)))
            #expect(pairs.first?.1 == text)
        }
    }

    @Test(arguments: ["Customer", "Sales Invoice", "SINV/2026/0001", "a.b", "...x", "100%"])
    func acceptableNames(name: String) throws {
        try PathSegment.validate(name, as: .name)
    }

    @Test(arguments: ["", ".", "..", "a/../b", "../x", "x/..", "a\u{0}b", "tab\there", "del\u{7F}"])
    func refusedNames(name: String) {
        let error = #expect(throws: BackendError.self) { try PathSegment.validate(name, as: .name) }
        #expect(error?.httpStatus == 400)
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: Character) -> String {
        guard let i = firstIndex(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(i...i, with: String(replacement))
        return copy
    }
}
