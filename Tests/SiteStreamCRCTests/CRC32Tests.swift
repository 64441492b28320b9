import CCRC32
import CZlib
import Foundation
import SiteStreamCRC
import Testing

/// `CRC32` against zlib's crc32, which defines the value every file and wire format stores:
/// the same bits for every length, alignment and starting crc, whole or in pieces.
@Suite("CRC32: the folding crc32 is zlib's crc32")
struct CRC32Tests {
    /// A reproducible generator (the failures must be replayable).
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    static func zlib(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(truncatingIfNeeded: CZlib.crc32(UInt(crc), base.assumingMemoryBound(to: Bytef.self), UInt32(bytes.count)))
    }

    static func randomBytes(_ count: Int, _ generator: inout Generator) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    @Test("the check value of CRC-32/ISO-HDLC: crc32(\"123456789\") = 0xCBF43926")
    func checkValue() {
        #expect(CRC32.update(0, Array("123456789".utf8)) == 0xCBF4_3926)
        // And long enough to take the folding path: 64 bytes of "123456789…" against zlib.
        let long = Array(String(repeating: "123456789", count: 20).utf8)
        #expect(long.withUnsafeBytes { CRC32.checksum($0) == Self.zlib(0, $0) })
    }

    @Test("nothing added leaves the crc as it was")
    func empty() {
        #expect(CRC32.update(0, []) == 0)
        #expect(CRC32.update(0xDEAD_BEEF, []) == 0xDEAD_BEEF)
    }

    @Test("the folding path is taken where the CPU has carry-less multiplication")
    func foldingIsUsedHere() throws {
        #if arch(x86_64)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map { $0.split(separator: " ") } ?? []
        if flags.contains("pclmulqdq") && flags.contains("sse4_1") { #expect(CRC32.isFolding) }
        #endif
    }

    @Test("every length up to 600 at every alignment of a 16-byte block, from several starting crcs")
    func shortLengthsEveryAlignment() {
        var generator = Generator(state: 1)
        let bytes = Self.randomBytes(600 + 16, &generator)
        bytes.withUnsafeBytes { raw in
            for start in [UInt32(0), 0xFFFF_FFFF, 0x1234_5678] {
                for offset in 0..<16 {
                    for length in 0...600 {
                        let piece = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
                        let got = CRC32.update(start, piece)
                        let expected = Self.zlib(start, piece)
                        if got != expected {
                            Issue.record("length \(length) at offset \(offset) from \(start): \(got) ≠ zlib's \(expected)")
                            return
                        }
                    }
                }
            }
        }
    }

    @Test("random lengths up to 100 KB at random offsets agree with zlib")
    func randomLengths() {
        var generator = Generator(state: 2)
        let bytes = Self.randomBytes(100_000 + 64, &generator)
        bytes.withUnsafeBytes { raw in
            for _ in 0..<400 {
                let length = Int.random(in: 0...100_000, using: &generator)
                let offset = Int.random(in: 0..<64, using: &generator)
                let start = UInt32(truncatingIfNeeded: generator.next())
                let piece = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
                #expect(CRC32.update(start, piece) == Self.zlib(start, piece), "length \(length), offset \(offset), from \(start)")
            }
        }
    }

    @Test("a crc chained over pieces is the crc of the whole")
    func chained() {
        var generator = Generator(state: 3)
        let bytes = Self.randomBytes(200_000, &generator)
        let whole = bytes.withUnsafeBytes { Self.zlib(0, $0) }
        bytes.withUnsafeBytes { raw in
            for _ in 0..<50 {
                var crc: UInt32 = 0
                var at = 0
                while at < raw.count {
                    let end = min(raw.count, at + Int.random(in: 0...9000, using: &generator))
                    crc = CRC32.update(crc, UnsafeRawBufferPointer(rebasing: raw[at..<end]))
                    at = end
                }
                #expect(crc == whole)
            }
        }
    }

    @Test("inputs of all zeros and all ones agree with zlib (no lane starts out special)")
    func uniformInputs() {
        for byte in [UInt8(0), 0xFF] {
            for length in [64, 65, 127, 128, 1000, 65_536] {
                let bytes = [UInt8](repeating: byte, count: length)
                #expect(bytes.withUnsafeBytes { CRC32.update(0, $0) == Self.zlib(0, $0) }, "\(length) bytes of \(byte)")
            }
        }
    }

    @Test("combine joins two crcs as the crc of the two inputs one after the other")
    func combine() {
        var generator = Generator(state: 4)
        for _ in 0..<50 {
            let a = Self.randomBytes(Int.random(in: 0...3000, using: &generator), &generator)
            let b = Self.randomBytes(Int.random(in: 0...3000, using: &generator), &generator)
            let joined = CRC32.combine(CRC32.update(0, a), CRC32.update(0, b), shift: CRC32.shift(over: b.count))
            #expect(joined == CRC32.update(0, a + b))
        }
    }
}
