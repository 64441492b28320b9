import Testing

@testable import SiteServer

@Suite("API key pairs")
struct APIKeyPairTests {
    /// A secret that begins with `-` is read as an option by `--api-secret SECRET`: one in 32
    /// draws would start with `-` or `_` without the guard, so 4,000 draws find one (the chance
    /// of missing it is about 10⁻⁵⁵).
    @Test func secretsNeverBeginWithADashOrUnderscoreAndAreDistinct() {
        var secrets = Set<String>()
        for _ in 0..<4_000 {
            let pair = APIKeyPair.generate()
            #expect(pair.apiSecret.first != "-" && pair.apiSecret.first != "_", "secret begins with \(pair.apiSecret.prefix(1))")
            #expect(pair.apiSecret.count == 43)
            #expect(pair.apiKey.count == 20)
            secrets.insert(pair.apiSecret)
        }
        #expect(secrets.count == 4_000)
    }
}
