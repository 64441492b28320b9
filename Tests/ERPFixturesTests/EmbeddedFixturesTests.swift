import Foundation
import Testing
@testable import ERPFixtures

/// The binary carries the fixtures; these tests hold the embedded copy to the files on disk.
/// When one fails, run `Fixtures/embed.sh` and commit the regenerated Swift file.
@Suite struct EmbeddedFixturesTests {
    @Test(arguments: ["doctypes", "mappings"])
    func embeddedTextsEqualTheFilesByteForByte(folder: String) throws {
        let embedded = folder == "doctypes" ? ERPFixtures.docTypeFiles : ERPFixtures.mappingFiles
        let disk = try filesOnDisk(folder)
        #expect(!disk.isEmpty, "no JSON files found in Fixtures/\(folder)")
        #expect(embedded.map(\.name) == disk.map(\.name), "Fixtures/\(folder) and the embedded list name different files; run Fixtures/embed.sh")
        for file in disk {
            let copy = Array((embedded.first { $0.name == file.name }?.json ?? "").utf8)
            let same = copy == file.bytes
            let common = min(copy.count, file.bytes.count)
            let firstDifference = (0..<common).first { copy[$0] != file.bytes[$0] } ?? common
            #expect(same, "Fixtures/\(folder)/\(file.name) differs from its embedded copy at byte \(firstDifference) (\(file.bytes.count) bytes on disk, \(copy.count) embedded); run Fixtures/embed.sh")
        }
    }

    @Test func lookupByFileNameAndDocTypeName() {
        #expect(ERPFixtures.fileName(forDocType: "Sales Invoice Item") == "sales_invoice_item.json")
        for file in ERPFixtures.docTypeFiles {
            #expect(ERPFixtures.docTypeJSON(file: file.name) == file.json)
        }
        #expect(ERPFixtures.docTypeJSON(file: "no_such_doctype.json") == nil)
    }
}
