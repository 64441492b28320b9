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

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
