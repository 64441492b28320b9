import Foundation
import Synchronization

/// Progress of long operations (pull, bench, demo, log verify), always on stderr so stdout
/// stays clean for `--json`.
///
/// On a terminal, one line rewritten in place: a bar with the rate and the time left,
///
///     pulling from head-office [##########----------]  50%  5,000/10,000 entries  1,234/s  ETA 4s
///
/// and free-text notes on the same line. Not on a terminal (CI, a pipe, a log file), plain
/// lines instead, at most one every `plainInterval` seconds per operation plus the last one,
/// so a log stays readable:
///
///     pulling from head-office: 5,000/10,000 entries (50%), 1,234/s, ETA 4s
///
/// Safe to call from any thread (a pull reports from the task that replays).
final class ProgressLine: Sendable {
    private struct State {
        var lastWidth = 0
        /// The operation `update` last reported, when it started and when a plain line was printed.
        var label: String?
        var started = Date()
        var printed = Date.distantPast
    }

    private let isTerminal: Bool
    private let plainInterval: TimeInterval
    private let state = Mutex(State())

    init(isTerminal: Bool = isatty(STDERR_FILENO) != 0, plainInterval: TimeInterval = 2) {
        self.isTerminal = isTerminal
        self.plainInterval = plainInterval
    }

    /// A free-text line: replaces the current line on a terminal, printed as it is otherwise.
    func note(_ line: String) {
        state.withLock { state in
            if isTerminal { rewrite(line, &state) } else { write(line + "\n") }
        }
    }

    /// `done` of `total` (nil: not known) `unit` of the operation `label`. The rate and the
    /// time left are measured from the first update with this label.
    func update(_ label: String, done: Int, total: Int?, unit: String = "entries") {
        state.withLock { state in
            let now = Date()
            if state.label != label {
                state.label = label
                state.started = now
                state.printed = .distantPast
            }
            let elapsed = now.timeIntervalSince(state.started)
            let rate = elapsed > 0.05 ? Double(done) / elapsed : nil
            let finished = total.map { done >= $0 } ?? false
            // Rendered only when shown: a pull reports every record, and off a terminal nearly
            // all reports are dropped (rendering each was ~3% of a catch-up's CPU).
            if isTerminal {
                rewrite(Self.render(label: label, done: done, total: total, unit: unit, rate: rate, bar: true), &state)
            } else if finished || now.timeIntervalSince(state.printed) >= plainInterval {
                write(Self.render(label: label, done: done, total: total, unit: unit, rate: rate, bar: false) + "\n")
                state.printed = now
            }
        }
    }

    /// Ends the current terminal line (the next output starts on a fresh one).
    func finish() {
        state.withLock { state in
            if isTerminal && state.lastWidth > 0 {
                write("\n")
                state.lastWidth = 0
            }
            state.label = nil
        }
    }

    /// The text of one progress report; `bar` draws the terminal form.
    static func render(label: String, done: Int, total: Int?, unit: String, rate: Double?, bar: Bool) -> String {
        var parts: [String] = []
        let count = total.map { "\(grouped(done))/\(grouped($0)) \(unit)" } ?? "\(grouped(done)) \(unit)"
        let fraction = total.map { $0 > 0 ? min(1, Double(done) / Double($0)) : 1 }
        if let rate { parts.append((rate >= 100 ? grouped(Int(rate.rounded())) : String(format: "%.3g", rate)) + "/s") }
        if let total, let rate, rate > 0 {
            parts.append(done >= total ? "done" : "ETA \(duration(Double(total - done) / rate))")
        }
        if bar {
            let width = 20
            let filled = fraction.map { Int(($0 * Double(width)).rounded(.down)) }
            let drawn = filled.map { "[" + String(repeating: "#", count: $0) + String(repeating: "-", count: width - $0) + "]" }
            let percent = fraction.map { String(format: "%3d%%", Int(($0 * 100).rounded(.down))) }
            return ([label] + [drawn, percent].compactMap { $0 } + [count] + parts).joined(separator: "  ")
        }
        let percent = fraction.map { " (\(Int(($0 * 100).rounded(.down)))%)" } ?? ""
        return "\(label): \(count)\(percent)" + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", "))
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Seconds as "42s", "3m05s" or "1h02m".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }

    private func rewrite(_ line: String, _ state: inout State) {
        let padded = line.padding(toLength: max(line.count, state.lastWidth), withPad: " ", startingAt: 0)
        write("\r" + padded)
        state.lastWidth = line.count
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
