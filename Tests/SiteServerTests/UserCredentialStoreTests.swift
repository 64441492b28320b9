import DocumentModel
import Foundation
import Site
import SiteStreamJSON
import Testing

@testable import SiteServer

/// API keys found through the `User.api_key` unique index, with parsed `User` documents
/// remembered while they stay unchanged — and every change to a key's user seen at once.
@Suite struct UserCredentialStoreTests {
    static func withSite(_ body: (Site) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sitestream-keys-\(getpid())-\(UInt64.random(in: 0...UInt64.max))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = SiteLayout(root: dir)
        var settings = SiteSettings()
        settings.durability = .none
        try await Site.create(at: layout, name: "keys", url: nil, settings: settings)
        let site = try Site.open(at: layout)
        defer { try? site.close() }
        try await body(site)
    }

    @Test func theUniqueIndexNamesTheKeysUser() async throws {
        try await Self.withSite { site in
            let pair = try await UserCredentialStore(site: site).createKey(for: "Administrator")
            #expect(site.names(whereUnique: "api_key", of: "User", equals: pair.apiKey) == ["Administrator"])
            #expect(site.names(whereUnique: "api_key", of: "User", equals: "no-such-key") == [])
            // Not a unique field: no index to ask.
            #expect(site.names(whereUnique: "full_name", of: "User", equals: "x") == nil)
        }
    }

    @Test func anUnchangedUserIsNotParsedAgain() async throws {
        try await Self.withSite { site in
            let cache = UserKeyCache()
            let store = UserCredentialStore(site: site, cache: cache)
            let pair = try await store.createKey(for: "Administrator")
            #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: pair.apiSecret) == .administrator)
            #expect(cache.hits == 0)
            #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: pair.apiSecret) == .administrator)
            #expect(cache.hits == 1)
            // The secret is still checked on every request, cached or not.
            #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: pair.apiSecret + "x") == nil)
            #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: "") == nil)
        }
    }

    @Test func whileTheStoreIsUnchangedTheUserIsNotEvenRead() async throws {
        try await Self.withSite { site in
            let cache = UserKeyCache()
            let store = UserCredentialStore(site: site, cache: cache)
            let pair = try await store.createKey(for: "Administrator")
            for _ in 0..<3 { #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: pair.apiSecret) == .administrator) }
            #expect((cache.hits, cache.unreadHits) == (2, 2))
            // Any write moves the store on: the next check reads the User again (unchanged, so
            // still a hit), and the ones after it need no read until the next write.
            _ = try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
            for _ in 0..<2 { #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: pair.apiSecret) == .administrator) }
            #expect((cache.hits, cache.unreadHits) == (4, 3))
            #expect(try await store.authenticate(apiKey: pair.apiKey, apiSecret: "wrong") == nil)
        }
    }

    @Test func aNewKeyOrADisabledUserTakesEffectAtOnce() async throws {
        try await Self.withSite { site in
            let store = UserCredentialStore(site: site, cache: UserKeyCache())
            let first = try await store.createKey(for: "Administrator")
            #expect(try await store.authenticate(apiKey: first.apiKey, apiSecret: first.apiSecret) == .administrator)
            let second = try await store.createKey(for: "Administrator")
            #expect(try await store.authenticate(apiKey: first.apiKey, apiSecret: first.apiSecret) == nil)
            #expect(try await store.authenticate(apiKey: second.apiKey, apiSecret: second.apiSecret) == .administrator)

            _ = try await site.write { tx in try tx.insert(Document(doctype: "User", ["name": "ops@example.com", "email": "ops@example.com", "first_name": "Ops"])) }
            let ops = try await store.createKey(for: "ops@example.com")
            #expect(try await store.authenticate(apiKey: ops.apiKey, apiSecret: ops.apiSecret) == SiteUser(name: "ops@example.com"))
            _ = try await site.write { tx in try tx.update("User", "ops@example.com", with: ["enabled": 0]) }
            #expect(try await store.authenticate(apiKey: ops.apiKey, apiSecret: ops.apiSecret) == nil)
        }
    }
}
