import Foundation
import SiteStreamJSON
@testable import ERPFixtures

/// The repository's `Fixtures/` directory, found from this file's path so tests read the
/// files on disk regardless of the working directory.
let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()   // ERPFixturesTests
    .deletingLastPathComponent()   // Tests
    .deletingLastPathComponent()   // repository root
    .appendingPathComponent("Fixtures")

func filesOnDisk(_ folder: String) throws -> [(name: String, bytes: [UInt8])] {
    let directory = fixturesDirectory.appendingPathComponent(folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasSuffix(".json") }
        .sorted()
    return try names.map { name in
        (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
    }
}

/// What the tests need to know of one fixture DocType, read from its JSON.
struct FixtureDocType {
    struct Field {
        var fieldname: String
        var fieldtype: String
        var options: String?
        var reqd: Bool
        var raw: JSONObject
    }
    var name: String
    var istable: Bool
    var isSubmittable: Bool
    var autoname: String?
    var fields: [Field]
    var raw: JSON

    static let layoutTypes: Set<String> = ["Section Break", "Column Break", "Tab Break", "HTML", "Button", "Fold"]
    static let stringTypes: Set<String> = [
        "Data", "Small Text", "Text", "Long Text", "Text Editor", "Select", "Link", "Dynamic Link",
        "Date", "Datetime", "Read Only", "Code",
    ]
    static let integerTypes: Set<String> = ["Int", "Check"]
    static let doubleTypes: Set<String> = ["Float", "Currency", "Percent"]
    static let knownTypes = layoutTypes.union(stringTypes).union(integerTypes).union(doubleTypes).union(["Table", "JSON"])

    var dataFields: [Field] { fields.filter { !Self.layoutTypes.contains($0.fieldtype) } }
    func field(_ name: String) -> Field? { fields.first { $0.fieldname == name } }

    init(_ json: JSON) {
        raw = json
        name = json["name"]?.stringValue ?? ""
        istable = json["istable"]?.intValue == 1
        isSubmittable = json["is_submittable"]?.intValue == 1
        autoname = json["autoname"]?.stringValue
        fields = (json["fields"]?.arrayValue ?? []).compactMap { f in
            guard let o = f.objectValue, let n = o["fieldname"]?.stringValue, let t = o["fieldtype"]?.stringValue else { return nil }
            return Field(fieldname: n, fieldtype: t, options: o["options"]?.stringValue, reqd: o["reqd"]?.intValue == 1, raw: o)
        }
    }
}

/// All fixture DocTypes by name, parsed from the embedded texts.
func loadFixtureDocTypes() throws -> [String: FixtureDocType] {
    var out: [String: FixtureDocType] = [:]
    for file in ERPFixtures.docTypeFiles {
        let d = FixtureDocType(try JSON(parsing: file.json))
        out[d.name] = d
    }
    return out
}

func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

/// The keys whose values differ between two objects (present in one only counts).
func changedKeys(_ a: JSON, _ b: JSON) -> Set<String> {
    let ao = a.objectValue ?? JSONObject(), bo = b.objectValue ?? JSONObject()
    var out = Set<String>()
    for (k, v) in ao where bo[k] != v { out.insert(k) }
    for (k, _) in bo where ao[k] == nil { out.insert(k) }
    return out
}
