import SiteStreamJSON

/// SplitMix64: a small, seeded generator so every property-test failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON values that lean on the hard cases: escapes, control characters, emoji,
/// combining marks, integer edges, doubles of every magnitude, empty and nested containers.
struct RandomJSON {
    var rng: SplitMix64
    var pieces: [String]

    init(rng: SplitMix64, withByteOrderMark: Bool = true) {
        self.rng = rng
        pieces = withByteOrderMark ? Self.allPieces : Self.allPieces.filter { $0 != "\u{FEFF}" }
    }

    mutating func value(depth: Int = 0) -> JSON {
        let kind = Int.random(in: 0..<(depth >= 4 ? 6 : 8), using: &rng)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(integer())
        case 3: return .double(double())
        case 4, 5: return .string(string())
        case 6:
            return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                object[string()] = value(depth: depth + 1)  // unique keys: a duplicate replaces
            }
            return .object(object)
        }
    }

    mutating func integer() -> Int64 {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return [Int64.min, .max, .min + 1, .max - 1, 0, -1, 1][Int.random(in: 0..<7, using: &rng)]
        case 1: return Int64(bitPattern: rng.next())
        default: return Int64.random(in: -100_000...100_000, using: &rng)
        }
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:  // any finite bit pattern, subnormals included
            while true {
                let d = Double(bitPattern: rng.next())
                if d.isFinite { return d }
            }
        case 1: return Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 100  // money
        case 2: return Double(Int.random(in: -1000...1000, using: &rng))  // integral doubles
        default: return Double.random(in: -1e6...1e6, using: &rng)
        }
    }

    static let allPieces: [String] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}",
        "é", "e\u{301}", "ß", "€", "中文", "😀", "👩‍👩‍👧", "\u{FEFF}", "\u{2028}", "\u{10FFFF}", "<p>", "&amp;",
        "SINV-2026-", "Grant Plastics", "2026-11-29",
    ]

    mutating func string() -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            s += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
        }
        return s
    }
}
