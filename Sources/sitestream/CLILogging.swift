import Foundation
import Logging

/// The command line's logger: warnings and worse to stderr unless SITESTREAM_LOG_LEVEL says more.
enum CLILogging {
    static func logger(label: String = "sitestream") -> Logger {
        var logger = Logger(label: label) { label in StreamLogHandler.standardError(label: label) }
        let level = ProcessInfo.processInfo.environment["SITESTREAM_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .warning
        return logger
    }
}
