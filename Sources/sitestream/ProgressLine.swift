import Foundation

/// Progress for long operations: one rewritten line on a terminal, plain lines otherwise.
/// Always on stderr, so stdout stays clean for `--json`.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: used from one thread at a time by the command that owns it.
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastWidth = 0

    func note(_ line: String) {
        if isTerminal {
            let padded = line.padding(toLength: max(line.count, lastWidth), withPad: " ", startingAt: 0)
            FileHandle.standardError.write(Data(("\r" + padded).utf8))
            lastWidth = line.count
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if isTerminal && lastWidth > 0 {
            FileHandle.standardError.write(Data("\n".utf8))
            lastWidth = 0
        }
    }
}
