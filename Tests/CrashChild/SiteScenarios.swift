// Site crash scenarios: the processes the Site tests spawn and SIGKILL.
import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// - `site-write DIR SEED`: creates the site in DIR (durability `always`) unless it exists,
///   opens it and writes a deterministic mix of Customer and Sales Invoice inserts, updates,
///   submits (with their GL Entries), cancels and deletes, forever. After each write is
///   acknowledged it prints one line per document it wrote, in one `write(2)`:
///   `put\tDOCTYPE\tNAME\tMODIFIED\tHASH` (HASH: FNV-1a 64 of the document's serialized JSON,
///   hex) or `del\tDOCTYPE\tNAME`.
/// - `site-hold DIR READY`: opens the site, writes its pid to READY and sleeps (a holder).
func runSiteScenario(_ name: String, _ arguments: [String]) throws {
    switch name {
    case "site-write":
        guard arguments.count == 2, let seed = UInt64(arguments[1]) else { throw ScenarioUsage("site-write DIR SEED") }
        try siteWrite(directory: arguments[0], seed: seed)
    case "site-hold":
        guard arguments.count == 2 else { throw ScenarioUsage("site-hold DIR READY") }
        let site = try Site.open(at: SiteLayout(path: arguments[0]))
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: arguments[1]))
        sleep(120)
        try site.close()
    default:
        throw ScenarioUsage("no site scenario named \(name)")
    }
}

/// The hash the crash test compares documents by (the parent has its own copy of the rule).
func siteDocumentHash(_ document: Document) -> String {
    let bytes = document.json.serialized()
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return String(hash, radix: 16)
}

/// Runs async `body` to completion from this plain thread.
private func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        do { let value = try await body(); outcome.withLock { $0 = .success(value) } } catch { outcome.withLock { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

/// The catalogue every run of `site-write` shares (its master data must be the same each time).
private let crashCatalogSeed: UInt64 = 7
private let crashCatalog = ERPDocumentGenerator.Configuration(itemCount: 12, customerCount: 8, supplierCount: 2)

private func siteWrite(directory: String, seed: UInt64) throws {
    let layout = SiteLayout(path: directory)
    if !layout.exists {
        var settings = SiteSettings()
        settings.durability = .always
        let chosen = settings
        try runBlocking { try await Site.create(at: layout, name: "crash-site", url: nil, settings: chosen) }
    }
    let site = try Site.open(at: layout)
    var generator = ERPDocumentGenerator(seed: crashCatalogSeed, configuration: crashCatalog)
    let master = generator.masterData()
    try site.writeSynchronously { tx in
        for json in master {
            let document = Document(json: json)!
            if let name = document.name, tx.exists(document.doctype, name) { continue }
            try tx.insert(document)
        }
    }
    // Where things stand, so the run continues from the store's state.
    var drafts: [String] = [], submitted: [String] = [], cancelled: [String] = []
    for invoice in try site.list("Sales Invoice", limit: Int.max) {
        switch invoice.docstatus {
        case 0: drafts.append(invoice.name!)
        case 1: submitted.append(invoice.name!)
        default: cancelled.append(invoice.name!)
        }
    }
    let run = site.log.lastWrittenSequence
    var random = seed &* 0x9E37_79B9_7F4A_7C15 &+ run
    func next(_ bound: Int) -> Int {
        random = random &* 6364136223846793005 &+ 1442695040888963407
        return Int((random >> 33) % UInt64(bound))
    }
    func take(_ list: inout [String]) -> String? {
        guard !list.isEmpty else { return nil }
        return list.remove(at: next(list.count))
    }
    func emit(_ text: String) { emitLine(text) }
    // A second writer inserting Customers at the same time, so writes also queue behind each
    // other in the log's group commit (and the store may take a write before the log's writer
    // thread does: the "store ahead of the log" recovery gets exercised too).
    let secondWriter = Thread {
        var k = 0
        while true {
            k += 1
            let name = "Crash Customer \(seed)-\(run)-b\(k)"
            do {
                let customer = try site.writeSynchronously { tx in
                    try tx.insert(Document(doctype: "Customer", ["customer_name": .string(name), "customer_group": "Individual",
                                                                 "customer_type": "Individual"]))
                }
                emitLine(put(customer))
            } catch {
                FileHandle.standardError.write("second writer failed: \(error)\n".data(using: .utf8)!)
                exit(1)
            }
        }
    }
    secondWriter.start()
    var customers = 0
    while true {
        let op = next(100)
        switch op {
        case 0..<20:
            customers += 1
            let name = "Crash Customer \(seed)-\(run)-\(customers)"
            let customer = try site.writeSynchronously { tx in
                try tx.insert(Document(doctype: "Customer", ["customer_name": .string(name), "customer_group": "Commercial",
                                                             "customer_type": "Company", "customer_details": .string("run \(run)")]))
            }
            emit(put(customer))
        case 20..<50, 90..<100:
            var json = generator.salesInvoice(rows: 1 + next(4))
            json["remarks"] = .string("seed \(seed) run \(run) op \(op)")
            let input = Document(json: json)!
            let submitNow = op >= 90
            let invoice = try site.writeSynchronously { tx in
                let draft = try tx.insert(input)
                return submitNow ? try tx.submit("Sales Invoice", draft.name!) : draft
            }
            emit(put(invoice))
            if submitNow { submitted.append(invoice.name!) } else { drafts.append(invoice.name!) }
        case 50..<60:
            guard let name = take(&drafts) else { continue }
            let remark = "edited \(next(1_000_000))"
            let invoice = try site.writeSynchronously { tx in try tx.update("Sales Invoice", name, with: ["remarks": .string(remark)]) }
            emit(put(invoice))
            drafts.append(name)
        case 60..<75:
            guard let name = take(&drafts) else { continue }
            let invoice = try site.writeSynchronously { tx in try tx.submit("Sales Invoice", name) }
            emit(put(invoice))
            submitted.append(name)
        case 75..<83:
            guard let name = take(&submitted) else { continue }
            let invoice = try site.writeSynchronously { tx in try tx.cancel("Sales Invoice", name) }
            emit(put(invoice))
            cancelled.append(name)
        default:
            let fromDrafts = next(2) == 0
            guard let name = fromDrafts ? take(&drafts) : take(&cancelled) else { continue }
            try site.writeSynchronously { tx in try tx.delete("Sales Invoice", name) }
            emit("del\tSales Invoice\t\(name)\n")
        }
    }
}

private func put(_ document: Document) -> String {
    "put\t\(document.doctype)\t\(document.name!)\t\(document.modified ?? "")\t\(siteDocumentHash(document))\n"
}

/// Writes `text` to stdout in one `write(2)` (lines stay whole with two writers: they are far
/// below PIPE_BUF).
private func emitLine(_ text: String) {
    let bytes = Array(text.utf8)
    let n = bytes.withUnsafeBytes { write(1, $0.baseAddress!, $0.count) }
    if n != bytes.count { exit(3) }
}
