import ArgumentParser
import Foundation
import Site
import SiteServer
import SiteStreamJSON

/// `sitestream keys create --site DIR [--user Administrator]`: a new API key/secret pair. The
/// site keeps only a salted hash of the secret, so this is the one time it is shown.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "API keys for the REST API.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key/secret pair for a user.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The user the key acts as.") var user = "Administrator"

        func run() async throws {
            let pair = try await SiteSession.documents(options).createKey(for: user)
            if options.json {
                Output.printJSON(["api_key": .string(pair.apiKey), "api_secret": .string(pair.apiSecret), "user": .string(user)])
            } else {
                print("api_key:    \(pair.apiKey)\napi_secret: \(pair.apiSecret)\n(use as: Authorization: token \(pair.apiKey):\(pair.apiSecret))")
            }
        }
    }
}
