// Store crash scenarios: the processes the SnapshotStore tests spawn and SIGKILL.
import Foundation
import Logging
import SnapshotStore
import SystemPackage

/// - `store-write DIR PROGRESS`: opens the store in DIR and applies the deterministic workload
///   batches from `lastAppliedSequence + 1` on, forever; after each `apply` returns it appends
///   `applied K` to PROGRESS. Every 10 batches it checkpoints and appends `durable K`; every 150
///   it compacts; so a kill can land in any of those. (Applied batches still in the store's
///   write buffer die with the process; durable ones must survive.)
/// - `store-hold DIR READY`: opens the store, writes its pid to READY, and sleeps (a lock holder).
/// - `store-workload-digest N`: prints the digest of the first N workload batches, so the test
///   can check its copy of the workload matches this one.
func runStoreScenario(_ name: String, _ arguments: [String]) throws {
    switch name {
    case "store-write":
        guard arguments.count == 2 else { throw ScenarioUsage("store-write DIR PROGRESS") }
        try storeWrite(directory: arguments[0], progress: arguments[1])
    case "store-hold":
        guard arguments.count == 2 else { throw ScenarioUsage("store-hold DIR READY") }
        let store = try SnapshotStore(directory: FilePath(arguments[0]), logger: Logger(label: "crash-child"))
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: arguments[1]))
        sleep(120)
        try store.close()
    case "store-workload-digest":
        guard arguments.count == 1, let count = UInt64(arguments[0]) else { throw ScenarioUsage("store-workload-digest N") }
        print(ChildStoreWorkload.digest(batches: count))
    default:
        throw ScenarioUsage("no store scenario named \(name)")
    }
}

struct ScenarioUsage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = "usage: " + description }
}

private func storeWrite(directory: String, progress: String) throws {
    var configuration = SnapshotStore.Configuration()
    configuration.automaticCompaction = false
    configuration.writeBufferSize = 16 << 10 // flushes every few batches: kills land mid-write too
    configuration.termFileMinimum = 1 // every checkpoint writes a term file: kills land in those too
    let store = try SnapshotStore(directory: FilePath(directory), configuration: configuration, logger: Logger(label: "crash-child"))
    let out = open(progress, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard out >= 0 else { throw ScenarioUsage("cannot open \(progress)") }
    var k = store.lastAppliedSequence
    while k < 10_000_000 {
        k += 1
        try store.apply(ChildStoreWorkload.batch(k), throughSequence: k)
        func report(_ text: String) {
            let line = Array(text.utf8)
            _ = line.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
        }
        report("applied \(k)\n")
        if k % 10 == 0 {
            try store.checkpoint()
            report("durable \(k)\n")
        }
        if k % 150 == 0 { try store.compact() }
    }
    try store.close()
}

/// A copy of `Tests/SnapshotStoreTests/StoreWorkload.swift`'s generator (the test checks the two
/// agree through `store-workload-digest`).
enum ChildStoreWorkload {
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
