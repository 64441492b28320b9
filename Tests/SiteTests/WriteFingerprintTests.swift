@testable import Site
import SnapshotStore
import Testing

/// The concurrent write path's conflict check is only as good as its fingerprints: equal keys
/// and terms must always give equal ones (else a conflict slips through), and the parts of a
/// key must not run together (else unrelated writes keep colliding).
@Suite struct WriteFingerprintTests {
    @Test func equalKeysAndTermsGiveEqualFingerprints() {
        let built = "Custo" + "mer"
        #expect(WriteFingerprint.of(DocumentKey(doctype: built, name: "Zoë Ltd")) == WriteFingerprint.of(DocumentKey(doctype: "Customer", name: "Zoë Ltd")))
        #expect(WriteFingerprint.of(IndexTerm(index: "linkto", value: "Item\u{0}A")) == WriteFingerprint.of(IndexTerm(index: "link" + "to", value: "Item\u{0}A")))
    }

    @Test func partsDoNotRunTogether() {
        #expect(WriteFingerprint.of(DocumentKey(doctype: "ab", name: "c")) != WriteFingerprint.of(DocumentKey(doctype: "a", name: "bc")))
        #expect(WriteFingerprint.of(IndexTerm(index: "ab", value: "c")) != WriteFingerprint.of(IndexTerm(index: "a", value: "bc")))
    }
}
