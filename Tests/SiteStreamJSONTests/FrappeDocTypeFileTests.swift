import Foundation
import Testing
import SiteStreamJSON

/// Real DocType files exported from Frappe (kept outside the repository, read in place): they
/// parse, agree with Foundation's reading, keep their field order, and survive compact and
/// pretty round trips.
private let frappeDocTypeDirectory = "/work/shared/frappe-doctypes"

@Suite(.enabled(if: FileManager.default.fileExists(atPath: frappeDocTypeDirectory)))
struct FrappeDocTypeFileTests {
    static let directory = frappeDocTypeDirectory

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test(arguments: files)
    func docTypeFileRoundTrips(_ file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.directory)/\(file)"))
        let value = try JSON(parsing: Array(data))
        let object = try #require(value.objectValue, "\(file) is not an object")
        #expect(object["fields"]?.arrayValue?.isEmpty == false)

        let theirs = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(theirs.keys) == Set(object.keys))

        // Field order as written in the file: the order of the "fieldname" occurrences.
        let names = object["fields"]?.arrayValue?.compactMap { $0["fieldname"]?.stringValue } ?? []
        let text = String(decoding: data, as: UTF8.self)
        var searchFrom = text.startIndex
        for name in names {
            let range = try #require(text.range(of: "\"fieldname\": \"\(name)\"", range: searchFrom..<text.endIndex),
                                     "\(name) out of order in \(file)")
            searchFrom = range.upperBound
        }

        for pretty in [false, true] {
            let again = try JSON(parsing: value.serialized(pretty: pretty))
            #expect(again == value)
            #expect(again.serialized() == value.serialized())
        }
    }
}
