import Testing
import SiteStreamJSON

/// `JSON.parse(_:keeping:)` must give what a full parse gives with the other members removed,
/// and refuse exactly what a full parse refuses, with the same message at the same place,
/// also where the fault is in a member it does not keep.
@Suite struct JSONSelectionTests {
    /// Removes, from `value`, the members a selection given as plain sets would not keep.
    static func apply(_ value: JSON, keep: Set<String>, nested: [String: Set<String>]) -> JSON {
        switch value {
        case .object(let object):
            var kept = JSONObject()
            for (key, member) in object where keep.contains(key) || nested[key] != nil {
                if let inner = nested[key] {
                    kept[key] = apply(member, keep: inner, nested: [:])
                } else {
                    kept[key] = member
                }
            }
            return .object(kept)
        case .array(let elements):
            return .array(elements.map { apply($0, keep: keep, nested: nested) })
        default:
            return value
        }
    }

    static func selection(keep: Set<String>, nested: [String: Set<String>]) -> JSONSelection {
        JSONSelection(keeping: keep, nested: nested.mapValues { JSONSelection(keeping: $0) })
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func keepsWhatAFullParseHas(seed: UInt64) throws {
        var random = RandomJSON(rng: SplitMix64(seed: seed))
        for _ in 0..<300 {
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...12, using: &random.rng) {
                object[random.string()] = random.value()
            }
            // Rows: an array of objects under a nested selection.
            var rows: [JSON] = []
            for _ in 0..<Int.random(in: 0...4, using: &random.rng) {
                var row = JSONObject()
                for _ in 0..<Int.random(in: 0...6, using: &random.rng) { row[random.string()] = random.value() }
                if Bool.random(using: &random.rng) { row["item_code"] = random.value() }
                rows.append(.object(row))
            }
            object["items"] = .array(rows)
            let keys = object.keys
            var keep = Set(keys.filter { _ in Bool.random(using: &random.rng) })
            keep.insert("absent")
            let rowKeys = Set(rows.flatMap { $0.objectValue?.keys ?? [] }.filter { _ in Bool.random(using: &random.rng) } + ["item_code"])
            let text = JSON.object(object).serialized()
            let full = try JSON(parsing: text)
            let selected = try JSON(parsing: text, keeping: Self.selection(keep: keep, nested: ["items": rowKeys]))
            #expect(selected == Self.apply(full, keep: keep, nested: ["items": rowKeys]),
                    "\(String(decoding: text, as: UTF8.self).debugDescription)")
        }
    }

    /// Repeated names: the last value wins in the first one's place, as in a full parse, also
    /// for names that are equal `String`s with different bytes.
    @Test func repeatedNames() throws {
        let text = Array(#"{"a":1,"b":2,"a":3,"\u00e9":4,"e\u0301":5,"c":{"x":1,"x":2}}"#.utf8)
        let selected = try JSON(parsing: text, keeping: JSONSelection(keeping: ["a", "é"], nested: ["c": JSONSelection(keeping: ["x"])]))
        #expect(selected == Self.apply(try JSON(parsing: text), keep: ["a", "é"], nested: ["c": ["x"]]))
        #expect(selected["a"] == .int(3) && selected["é"] == .int(5) && selected["c"]?["x"] == .int(2))
        // The Kelvin sign is "K" as a String: a name given so is matched by String equality.
        let kelvin = try JSON(parsing: Array(#"{"K":1,"k":2}"#.utf8), keeping: JSONSelection(keeping: ["\u{212A}"]))
        #expect(kelvin.objectValue?.count == 1 && kelvin["K"] == .int(1))
    }

    /// Every malformed value of the malformed-input suite, as a member that is skipped and as
    /// one that is kept: the same error as a full parse, and never a value.
    @Test(arguments: JSONMalformedInputTests.cases)
    func refusesWhatAFullParseRefuses(_ bad: JSONMalformedInputTests.Case) {
        for (prefix, suffix) in [(#"{"keep":[1,{"a":2}],"skip":"#, "}"), (#"{"keep":"#, "}"), ("", ""), ("[", "]"), (#"{"items":[{"x":"#, "}]}")] {
            let text = Array(prefix.utf8) + bad.input + Array(suffix.utf8)
            let selection = JSONSelection(keeping: ["keep"], nested: ["items": JSONSelection(keeping: ["y"])])
            var fullError: JSONParseError?
            do { _ = try JSON(parsing: text) } catch let error as JSONParseError { fullError = error } catch {}
            do {
                let value = try JSON(parsing: text, keeping: selection)
                #expect(fullError == nil, "selective parse accepted \(String(decoding: text, as: UTF8.self).debugDescription) as \(value)")
            } catch let error as JSONParseError {
                #expect(error == fullError, "\(String(decoding: text, as: UTF8.self).debugDescription)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
