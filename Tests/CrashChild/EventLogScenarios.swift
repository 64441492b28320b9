// EventLog crash scenarios: filled in by the module that needs them.
func runEventLogScenario(_ name: String, _ arguments: [String]) throws {
    fatalError("no EventLog scenario named \(name)")
}
