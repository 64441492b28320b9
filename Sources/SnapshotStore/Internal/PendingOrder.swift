/// The names a `StoreIndex` took in since its last merge, taken out under the store's lock to
/// be sorted without it, then handed back to `StoreIndex.mergeAll(presorted:)`.
///
/// Why: an index snapshot lists each DocType's documents in name order, so it first merges
/// the names added since the last one into that order. After a rebuild of a million
/// Customers, sorting them took 2.5 s, and every reader and writer of the store (a site's
/// open, too) waited for it behind the lock.
///
/// It holds the ids and their names' spans, and shares the arena's pages with the index (an
/// arena only appends to its last page, or is replaced whole by a compaction), so taking it
/// costs 12 bytes a name and no copy of the names.
struct PendingOrder {
    struct Table {
        var doctype: UInt16
        /// How many of the DocType's `pending` ids were taken (live or not).
        var covered: Int
        /// The live ones: in name order after `sort()`.
        var ids: [UInt32]
        /// Their names' spans, in the order `ids` had when taken.
        var spans: [UInt64]
    }

    /// `StoreIndex.merges` when taken.
    let merges: UInt64
    private(set) var tables: [Table]
    let names: NameArena

    init(merges: UInt64, tables: [Table], names: NameArena) {
        self.merges = merges
        self.tables = tables
        self.names = names
    }

    /// Puts each table's ids in name order.
    mutating func sort() {
        for i in tables.indices {
            let order = names.order(of: tables[i].spans)
            let ids = tables[i].ids
            tables[i].ids = order.map { ids[Int($0)] }
            tables[i].spans = []
        }
    }
}
