// Store crash scenarios: filled in by the module that needs them.
func runStoreScenario(_ name: String, _ arguments: [String]) throws {
    fatalError("no Store scenario named \(name)")
}
