import Testing
@testable import SnapshotStore

/// `DocumentKey` compares and hashes the bytes of its strings, as the store tells documents
/// apart: canonically equivalent spellings are two keys everywhere, not one in a `Set` and two
/// in the store.
@Suite("Snapshot store: document keys")
struct DocumentKeyTests {
    @Test func keysAreEqualExactlyWhenTheirBytesAre() throws {
        let composed = DocumentKey(doctype: "Customer", name: "Caf\u{E9}")      // é as one scalar
        let decomposed = DocumentKey(doctype: "Customer", name: "Cafe\u{301}")  // e + combining accent
        #expect(composed.name == decomposed.name, "Swift's String calls them equal")
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        // Equal bytes from different storage (a small string, a built one, a long one).
        let built = DocumentKey(doctype: "Cust" + "omer", name: String("Caf\u{E9}".unicodeScalars.map(Character.init)))
        #expect(built == composed && built.hashValue == composed.hashValue)
        let long = String(repeating: "Zürich Trading ", count: 4)
        let half = String(repeating: "Zürich Trading ", count: 2)
        let a = DocumentKey(doctype: "Customer", name: long), b = DocumentKey(doctype: "Customer", name: half + half)
        #expect(a == b && a.hashValue == b.hashValue)
        // Where the DocType ends and the name begins matters.
        #expect(DocumentKey(doctype: "ab", name: "c") != DocumentKey(doctype: "a", name: "bc"))
        #expect(Set([DocumentKey(doctype: "ab", name: "c"), DocumentKey(doctype: "a", name: "bc")]).count == 2)
        #expect(DocumentKey(doctype: "Customer", name: "") != DocumentKey(doctype: "Customer", name: " "))
    }

    @Test func theStoreHoldsBothSpellingsAsTheKeysSay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let composed = DocumentKey(doctype: "Customer", name: "Caf\u{E9}")
        let decomposed = DocumentKey(doctype: "Customer", name: "Cafe\u{301}")
        try store.apply([.put(composed, document: bytes("one"), terms: []), .put(decomposed, document: bytes("two"), terms: [])],
                        throughSequence: 1)
        #expect(try store.get(composed) == bytes("one"))
        #expect(try store.get(decomposed) == bytes("two"))
        #expect(store.count(doctype: "Customer") == 2)
        try store.close()
    }
}
