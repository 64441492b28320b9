import ArgumentParser
import Foundation
import Logging
import Synchronization

/// The command line's logging: to stderr, at the level `--log-level` gives (every command
/// takes it), else `SITESTREAM_LOG_LEVEL`, else warnings and worse (`serve`: info).
///
/// The executable owns the process, so this is where swift-log's global `LoggingSystem` is
/// bootstrapped (once); the libraries only ever receive loggers.
enum CLILogging {
    /// The level `--log-level` named, and the command's default (warning; serve: info).
    private static let chosen = Mutex<Logger.Level?>(nil)
    private static let fallback = Mutex<Logger.Level>(.warning)
    private static let bootstrapped = Mutex(false)

    static let levels = "trace, debug, info, notice, warning, error or critical"

    /// Checks and applies `--log-level TEXT` (nil: not given), and bootstraps swift-log once
    /// so loggers made anywhere in the process write to stderr at the level in force. Throws
    /// a usage error naming the accepted levels.
    static func apply(_ text: String?) throws {
        if let text {
            guard let parsed = Logger.Level(rawValue: text) else {
                throw ValidationError("--log-level must be one of \(levels); got '\(text)'")
            }
            chosen.withLock { $0 = parsed }
        }
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = CLILogging.level
                return handler
            }
        }
    }

    /// Sets the level used when neither `--log-level` nor `SITESTREAM_LOG_LEVEL` says one.
    static func setDefault(_ level: Logger.Level) {
        fallback.withLock { $0 = level }
    }

    /// The level in force: `--log-level`, else `SITESTREAM_LOG_LEVEL`, else the command's default.
    static var level: Logger.Level {
        chosen.withLock { $0 }
            ?? ProcessInfo.processInfo.environment["SITESTREAM_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? fallback.withLock { $0 }
    }

    static func logger(label: String = "sitestream") -> Logger {
        var logger = Logger(label: label) { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }
}

/// `--log-level`, for the commands that take no `--site` (demo, bench); `SiteOptions` carries
/// it for the others.
struct LogLevelOption: ParsableArguments {
    @Option(name: .customLong("log-level"), help: ArgumentHelp("\(CLILogging.levels) (default: warning).", valueName: "LEVEL"))
    var logLevel: String?

    func validate() throws { try CLILogging.apply(logLevel) }
}
