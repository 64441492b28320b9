import EventLog
import Foundation
import SiteStreamJSON
@testable import Streaming
import Testing

/// The access journal's file: what a producer wrote is what it reads back after a restart.
@Suite("Access journal lines")
struct AccessJournalFileTests {
    static func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)/consumer.jsonl")
    }

    @Test("every decision reads back as it was written, whatever its names and messages hold")
    func roundTrip() throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let decisions: [(AccessKey, AccessState?)] = [
            (AccessKey(doctype: "Customer", docname: "CUST-0001"), AccessState(verdict: .granted, cursor: LogCursor(segment: 1, offset: 32), sequence: 1)),
            (AccessKey(doctype: "Sales \"Order\"", docname: "line\nbreak\t\\ and \u{1} é 😀"),
             AccessState(verdict: .failing, cursor: LogCursor(segment: 18_446_744_073_709_551_615, offset: 0), sequence: .max,
                         wasGranted: true, error: "TypeError: '<' not supported\n\"quoted\"", retry: true)),
            (AccessKey(doctype: "Customer", docname: ""), AccessState(verdict: .revoked, cursor: LogCursor(segment: 9, offset: 1_234_567), sequence: 1 << 63)),
            (AccessKey(doctype: "Customer", docname: "gone"), AccessState(verdict: .granted, cursor: LogCursor(segment: 1, offset: 99), sequence: 7)),
            (AccessKey(doctype: "Customer", docname: "gone"), nil),
        ]
        let journal = try AccessJournal(file: file)
        for (key, state) in decisions { journal.decide(key, state, at: state?.cursor ?? LogCursor(segment: 1, offset: 100)) }
        try journal.flush()
        let reread = try AccessJournal(file: file)
        #expect(reread.states == journal.states)
        #expect(reread.states.count == 3)
        #expect(reread.failing.map(\.0) == [AccessKey(doctype: "Sales \"Order\"", docname: "line\nbreak\t\\ and \u{1} é 😀")])
        // One line per decision, each a JSON object.
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == decisions.count)
        for line in lines { #expect(try JSON(parsing: String(line)).objectValue != nil) }
    }

    @Test("a line reads as the JSON it always was")
    func lineShape() throws {
        var line: [UInt8] = []
        AccessJournal.appendLine(AccessKey(doctype: "Customer", docname: "A"),
                                 AccessState(verdict: .granted, cursor: LogCursor(segment: 12, offset: 3456), sequence: 42), to: &line)
        #expect(String(decoding: line, as: UTF8.self) == #"{"d":"Customer","n":"A","v":"granted","c":"12:3456","s":42}"# + "\n")
        line = []
        AccessJournal.appendLine(AccessKey(doctype: "Customer", docname: "A"), nil, to: &line)
        #expect(String(decoding: line, as: UTF8.self) == #"{"d":"Customer","n":"A"}"# + "\n")
    }
}
