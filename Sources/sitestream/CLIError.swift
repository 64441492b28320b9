import ArgumentParser
import Foundation

/// A one-line error for stderr with a non-zero exit status (INTERFACE.md: "non-zero with a
/// one-line error on stderr").
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32
    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
