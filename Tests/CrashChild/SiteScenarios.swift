// Site crash scenarios: filled in by the module that needs them.
func runSiteScenario(_ name: String, _ arguments: [String]) throws {
    fatalError("no Site scenario named \(name)")
}
