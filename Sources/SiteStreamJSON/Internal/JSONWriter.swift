/// Appends JSON text to a byte array. One writer per `serialize` call.
struct JSONWriter {
    var out: [UInt8]
    let pretty: Bool

    mutating func write(_ value: JSON, level: Int) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let b): appendASCII(b ? "true" : "false")
        case .int(let i): writeInteger(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements):
            if elements.isEmpty {
                appendASCII("[]")
                return
            }
            out.append(UInt8(ascii: "["))
            for (n, element) in elements.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(level + 1) }
                write(element, level: level + 1)
            }
            if pretty { newline(level) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty {
                appendASCII("{}")
                return
            }
            out.append(UInt8(ascii: "{"))
            let keys = object.keys
            let values = object.values
            for n in keys.indices {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(level + 1) }
                writeString(keys[n])
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                write(values[n], level: level + 1)
            }
            if pretty { newline(level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    mutating func appendASCII(_ text: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func newline(_ level: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(level * 2) { out.append(UInt8(ascii: " ")) }
    }

    mutating func writeInteger(_ value: Int64) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(magnitude))
            return
        }
        // Digits are produced backwards into a fixed buffer, then appended in one go.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var k = 20
            while magnitude > 0 {
                k -= 1
                digits[k] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[k..<20]))
        }
    }

    mutating func writeDouble(_ value: Double) {
        guard value.isFinite else {
            appendASCII("null")
            return
        }
        // Swift's description is the shortest round-trip text and keeps ".0" on integral
        // values ("100.0", "1e+16", "5e-324"): all valid JSON numbers that read back as doubles.
        var text = value.description
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeEscaped($0) }
    }

    /// Copies runs of bytes that need no escape in one append each.
    mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            out.append(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default:
                let hex: StaticString = "0123456789abcdef"
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 0xF)])
            }
            i += 1
            runStart = i
        }
        if n > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n])) }
        out.append(UInt8(ascii: "\""))
    }
}
