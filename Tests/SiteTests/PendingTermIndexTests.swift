import SnapshotStore
import Testing

@testable import ERPFixtures
@testable import Site

/// The pending term index answers, for every kind it was asked about, exactly what a scan of
/// the pending documents' terms answers, whether a document's terms were recorded before or
/// after its kind was first asked about, and after documents change or drop their terms.
@Suite struct PendingTermIndexTests {
    @Test func answersLikeAScan() {
        var generator = SplitMix64(seed: 11)  // seeded, so a failure repeats
        let kinds = ["remote", "linkto", "unique:Customer.customer_name", "field:Customer.territory"]
        var pendingTerms: [DocumentKey: [IndexTerm]] = [:]
        var index = PendingTermIndex()
        func randomTerms() -> [IndexTerm] {
            (0..<Int(generator.next() % 6)).map { _ in
                IndexTerm(index: kinds[Int(generator.next() % UInt64(kinds.count))], value: "v\(generator.next() % 5)")
            }
        }
        for step in 0..<600 {
            let key = DocumentKey(doctype: "Customer", name: "C\(generator.next() % 40)")
            switch generator.next() % 5 {
            case 0:
                if let old = pendingTerms.removeValue(forKey: key) { index.remove(old, of: key) }
            default:
                if let old = pendingTerms[key] { index.remove(old, of: key) }
                let terms = randomTerms()
                pendingTerms[key] = terms
                index.add(terms, of: key)
            }
            // Ask about a kind now and then: the first question about it builds it.
            if step % 50 == 7 { index.addKind(kinds[(step / 50) % kinds.count], from: pendingTerms) }
            for kind in index.kinds {
                for v in 0..<5 {
                    let term = IndexTerm(index: kind, value: "v\(v)")
                    let scanned = Set(pendingTerms.filter { $0.value.contains(term) }.keys)
                    #expect((index.holders(of: term) ?? []) == scanned, "step \(step), \(term)")
                }
            }
        }
        #expect(index.kinds.count == kinds.count)
    }
}
