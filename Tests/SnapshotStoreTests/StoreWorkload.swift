import SnapshotStore

/// The deterministic batches the crash child (`Tests/CrashChild/StoreScenarios.swift`) applies,
/// and the state they lead to. The child holds a copy of `batch(_:)`; the test
/// `workloadMatchesTheCrashChild` checks both copies still produce the same bytes.
enum StoreWorkload {
    static let doctypes = ["Customer", "Item", "Sales Invoice"]
    static let namesPerDoctype = 100

    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Batch `k` (1-based): 1–8 puts and deletes over 300 keys, documents of 0–2000 bytes of
    /// padding, two or three index terms per put.
    static func batch(_ k: UInt64) -> [StoreChange] {
        var random = Generator(state: k &* 7919)
        let count = 1 + Int(random.next() % 8)
        var changes: [StoreChange] = []
        for i in 0..<count {
            let doctype = doctypes[Int(random.next() % UInt64(doctypes.count))]
            let name = "\(doctype.prefix(4).uppercased())-\(random.next() % UInt64(namesPerDoctype))"
            let key = DocumentKey(doctype: doctype, name: name)
            if random.next() % 5 == 0 {
                changes.append(.delete(key))
            } else {
                let padding = Int(random.next() % 2000)
                var document = Array("{\"name\":\"\(name)\",\"batch\":\(k),\"change\":\(i),\"pad\":\"".utf8)
                document.append(contentsOf: repeatElement(UInt8(ascii: "a") + UInt8(k % 26), count: padding))
                document.append(contentsOf: Array("\"}".utf8))
                var terms = [
                    IndexTerm(index: "field:\(doctype).group", value: "g\(random.next() % 5)"),
                    IndexTerm(index: "unique:\(doctype).email", value: "\(name.lowercased())@example.com"),
                ]
                if random.next() % 2 == 0 {
                    terms.append(IndexTerm(index: "linkto", value: "Customer\u{0}CUST-\(random.next() % 10)"))
                }
                changes.append(.put(key, document: document, terms: terms))
            }
        }
        return changes
    }

    /// FNV-1a over the encoded first `count` batches: compared with the crash child's copy.
    static func digest(batches count: UInt64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) { for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01B3 } }
        for k in 1...count {
            for change in batch(k) {
                switch change {
                case .put(let key, let document, let terms):
                    mix("P\(key.doctype)|\(key.name)|".utf8); mix(document)
                    for term in terms { mix("\(term.index)=\(term.value);".utf8) }
                case .delete(let key):
                    mix("D\(key.doctype)|\(key.name)|".utf8)
                }
            }
        }
        return hash
    }
}

/// What a store should hold: documents and their terms, built by applying changes in order.
struct StoreModel {
    var documents: [DocumentKey: (document: [UInt8], terms: [IndexTerm])] = [:]
    var appliedBatches: UInt64 = 0

    mutating func apply(_ changes: [StoreChange]) {
        for change in changes {
            switch change {
            case .put(let key, let document, let terms): documents[key] = (document, terms)
            case .delete(let key): documents[key] = nil
            }
        }
    }

    /// The workload's state after `count` batches.
    static func workload(through count: UInt64) -> StoreModel {
        var model = StoreModel()
        model.advance(to: count)
        return model
    }

    mutating func advance(to count: UInt64) {
        if count < appliedBatches { self = StoreModel() }
        while appliedBatches < count {
            appliedBatches += 1
            apply(StoreWorkload.batch(appliedBatches))
        }
    }

    func keys(matching term: IndexTerm) -> [DocumentKey] {
        documents.filter { $0.value.terms.contains(term) }.map(\.key)
            .sorted { ($0.doctype, $0.name) < ($1.doctype, $1.name) }
    }

    func names(doctype: String) -> [String] {
        documents.keys.filter { $0.doctype == doctype }.map(\.name).sorted()
    }

    var allTerms: Set<IndexTerm> {
        Set(documents.values.flatMap(\.terms))
    }
}
