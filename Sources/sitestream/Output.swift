import Foundation
import SiteStreamJSON

/// Writing results: JSON for `--json`, aligned text for people.
enum Output {
    static func printJSON(_ value: JSON) {
        var bytes = value.serialized(pretty: true)
        bytes.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// A table with a header row; columns padded to their widest cell.
    static func printTable(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        for (i, row) in all.enumerated() {
            let line = row.indices.map { c in
                row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
            print(line.trimmingCharacters(in: .whitespaces))
            if i == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }

    /// `1.2 MB`, `340 B`: a byte count for people.
    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return String(format: "%.1f KB", Double(n) / 1024) }
        return String(format: "%.1f MB", Double(n) / Double(1 << 20))
    }

    /// `42 s`, `3 min`, `2.5 h`: an age in seconds for people.
    static func age(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
