import Foundation

/// Turns figures into the two outputs: a table for people and the JSON array for tools
/// (INTERFACE.md: `{"figure", "value", "unit", "runs", "min", "max"}`).
public enum BenchReport {
    public static func json(_ figures: [Figure]) -> String {
        guard !figures.isEmpty else { return "[]\n" }
        let rows = figures.map { f in
            "  {\"figure\": \(quote(f.id)), \"value\": \(number(f.value)), \"unit\": \(quote(f.unit)), "
                + "\"runs\": \(f.runs), \"min\": \(number(f.min)), \"max\": \(number(f.max))}"
        }
        return "[\n" + rows.joined(separator: ",\n") + "\n]\n"
    }

    public static func table(_ figures: [Figure], machine: MachineDescription) -> String {
        var lines = ["Machine: \(machine.summary)", ""]
        let header = ["figure", "median", "unit", "min", "max", "runs", "note"]
        var rows = figures.map { f in
            [f.id, format(f.value), f.unit, format(f.min), format(f.max), String(f.runs), f.note]
        }
        rows.insert(header, at: 0)
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for (i, row) in rows.enumerated() {
            let cells = row.indices.map { c -> String in
                let cell = row[c]
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return (c == 1 || c == 3 || c == 4 || c == 5) ? pad + cell : cell + pad
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
            if i == 0 {
                lines.append("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Three significant digits for small numbers, thousands separators for large ones.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        let magnitude = abs(value)
        if magnitude >= 1000 {
            let rounded = Int64(value.rounded())
            var digits = String(abs(rounded))
            var grouped = ""
            while digits.count > 3 {
                grouped = "," + digits.suffix(3) + grouped
                digits.removeLast(3)
            }
            return (rounded < 0 ? "-" : "") + digits + grouped
        }
        if magnitude >= 100 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
