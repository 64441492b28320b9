// The process that crash tests spawn and SIGKILL. Each module's scenarios live in their own file
// (`<Module>Scenarios.swift`) and are chosen by the first argument's prefix.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard let scenario = arguments.first else {
    FileHandle.standardError.write("usage: sitestream-crash-child SCENARIO [ARGS…]\n".data(using: .utf8)!)
    exit(64)
}
let rest = Array(arguments.dropFirst())
do {
    if scenario.hasPrefix("eventlog-") {
        try runEventLogScenario(scenario, rest)
    } else if scenario.hasPrefix("store-") {
        try runStoreScenario(scenario, rest)
    } else if scenario.hasPrefix("site-") {
        try runSiteScenario(scenario, rest)
    } else if scenario.hasPrefix("streaming-") {
        try runStreamingScenario(scenario, rest)
    } else {
        FileHandle.standardError.write("unknown scenario \(scenario)\n".data(using: .utf8)!)
        exit(64)
    }
} catch {
    FileHandle.standardError.write("scenario \(scenario) failed: \(error)\n".data(using: .utf8)!)
    exit(1)
}
