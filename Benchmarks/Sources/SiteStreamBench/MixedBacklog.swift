import DocumentModel
import ERPFixtures
import Site
import SiteStreamJSON

/// The catch-up backlog issue 6 describes: Customers created and updated, 20-row Sales
/// Invoices created, updated and submitted, over the master data they link to.
///
/// After the masters (the groups, territories and items of `ERPDocumentGenerator`, and its
/// catalogue Customers), the backlog is made of blocks of six subscribed entries:
/// - a Customer created, then updated (three fields changed: `customerUpdatePair`),
/// - another Customer created,
/// - a 20-row draft Sales Invoice created, updated (a row split in two, three fields changed:
///   `invoiceUpdatePair`), then submitted (which posts its GL Entries on both sites; GL Entry
///   is not subscribed, so those are not backlog entries).
///
/// So half the entries are Customers (two Creates for one Update) and half invoices (a Create,
/// an Update, a submitting Update). Blocks are written 170 at a time (~1000 entries) in three
/// transactions: the Creates, then the Updates, then the submits.
struct MixedBacklog {
    /// The DocTypes the consumer subscribes to: the masters invoices and Customers link to,
    /// then the two the blocks write.
    static let doctypes = ["Customer Group", "Territory", "Item Group", "Item", "Customer", "Sales Invoice"]
    static let invoiceRows = 20
    static let seed: UInt64 = 20_261_206
    static let entriesPerBlock = 6
    static let blocksPerWrite = 170

    /// One block's documents, as the generator makes them (the site names them on insert).
    struct Block {
        /// The Customer created, and its edited version.
        var customer: (old: JSON, new: JSON)
        /// The Customer only created.
        var single: JSON
        /// The draft invoice created, and its edited version (then submitted).
        var invoice: (old: JSON, new: JSON)

        init(_ generator: inout ERPDocumentGenerator) {
            customer = generator.customerUpdatePair()
            single = generator.newCustomer()
            invoice = generator.invoiceUpdatePair(rows: MixedBacklog.invoiceRows)
        }
    }

    /// The generator the backlog comes from, and its master documents (all of them are
    /// written; those of `doctypes` are backlog entries).
    static func start() -> (generator: ERPDocumentGenerator, masters: [JSON]) {
        let generator = ERPDocumentGenerator(seed: seed)
        return (generator, generator.masterData())
    }

    /// Writes at least `entries` subscribed entries (masters included) to `site`; returns how
    /// many it wrote.
    static func write(entries: Int, to site: Site) async throws -> Int {
        let started = start()
        var generator = started.generator
        let master = started.masters.compactMap(Document.init(json:))
        try await site.write { tx in for document in master { try tx.insert(document) } }
        var written = master.filter { doctypes.contains($0.doctype) }.count
        while written < entries {
            let count = min(blocksPerWrite, (entries - written + entriesPerBlock - 1) / entriesPerBlock)
            let blocks = (0..<count).map { _ in Block(&generator) }
            let names: [(customer: String, invoice: String)] = try await site.write { tx in
                try blocks.map { block in
                    let customer = try tx.insert(Document(json: block.customer.old)!)
                    try tx.insert(Document(json: block.single)!)
                    let invoice = try tx.insert(Document(json: block.invoice.old)!)
                    return (customer.name!, invoice.name!)
                }
            }
            try await site.write { tx in
                for (block, name) in zip(blocks, names) {
                    try saveChanges(block.customer, to: name.customer, tx: tx)
                    try saveChanges(block.invoice, to: name.invoice, tx: tx)
                }
            }
            try await site.write { tx in
                for name in names { try tx.submit("Sales Invoice", name.invoice) }
            }
            written += count * entriesPerBlock
        }
        return written
    }

    /// Saves the stored document `name` with the generator's edit (`pair.old` → `pair.new`)
    /// applied: the site named it on insert, so the edit goes over as a diff.
    private static func saveChanges(_ pair: (old: JSON, new: JSON), to name: String, tx: SiteTransaction) throws {
        let old = Document(json: pair.old)!, new = Document(json: pair.new)!
        guard let stored = try tx.get(old.doctype, name) else { throw BenchError("catchup: \(old.doctype) \(name) vanished") }
        try tx.save(try DocumentDiff.between(old, new, in: tx.schema).apply(to: stored))
    }
}
