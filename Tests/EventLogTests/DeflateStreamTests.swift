import CZlib
import Dispatch
import Synchronization
import Testing
@testable import EventLog

/// The kept deflate streams must give exactly what a fresh `compress2` at level 1 gives, for
/// every payload in turn and from several threads at once: a reset that left state behind
/// would change the bytes (or make them unreadable).
@Suite struct DeflateStreamTests {
    /// `compress2` at level 1: what the log wrote before streams were kept.
    static func reference(_ input: [UInt8]) -> [UInt8]? {
        var length = compressBound(UInt(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { compress2(out.baseAddress, &length, $0.baseAddress, UInt($0.count), 1) }
        }
        guard status == Z_OK, Int(length) < input.count else { return nil }
        return Array(output.prefix(Int(length)))
    }

    /// JSON-like text of about `size` bytes, different for each `seed`.
    static func payload(seed: Int, size: Int) -> [UInt8] {
        var text = "{\"doctype\":\"Sales Invoice\",\"seed\":\(seed),\"items\":["
        var i = 0
        while text.utf8.count < size {
            text += "{\"item_code\":\"ITEM-\((seed &* 31 &+ i) % 97)\",\"qty\":\(i % 13),\"rate\":\(Double(seed % 50) + 0.25)},"
            i += 1
        }
        return Array(text.utf8)
    }

    /// Bytes that do not compress.
    static func noise(seed: UInt64, size: Int) -> [UInt8] {
        var state = seed | 1
        return (0..<size).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    @Test func sameBytesAsCompress2ForEveryPayloadInTurn() {
        let inputs = [Self.payload(seed: 1, size: 12_000), Self.payload(seed: 2, size: 5_000), Self.noise(seed: 3, size: 8_000),
                      Self.payload(seed: 4, size: 200_000), [], Self.payload(seed: 5, size: 4_100), Self.payload(seed: 1, size: 12_000)]
        for (i, input) in inputs.enumerated() {
            let packed = Deflate.compress(input)
            #expect(packed == Self.reference(input), "payload \(i)")
            if let packed {
                #expect(packed.withUnsafeBytes { Deflate.decompress($0, rawLength: input.count) } == input)
            }
        }
        #expect(Deflate.compress(Self.noise(seed: 9, size: 6_000)) == nil, "incompressible input is stored as is")
    }

    @Test func concurrentCallersGetTheirOwnBytes() {
        let inputs = (0..<16).map { Self.payload(seed: $0, size: 3_000 + 1_000 * $0) }
        let expected = inputs.map(Self.reference)
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { n in
            let i = n % inputs.count
            if Deflate.compress(inputs[i]) != expected[i] { mismatches.withLock { $0 += 1 } }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }
}
