/// The hot term tables set aside while the next term file is written from them
/// (`StoreIndex.freezeTerms`); looked up like the hot ones meanwhile.
struct FrozenTerms {
    var names: [String]
    var tables: [TermTable]
    var slots: HashSlots

    func table(named index: String) -> Int? {
        slots.find(hash: slotHash(index)) { names[Int($0)] == index }.map(Int.init)
    }
}

/// Moving index terms from memory to a term file (`TermFile`) and back.
///
/// A document's terms are in exactly one place, its entry's `termTier`: `hot` (the term
/// tables, changed one posting at a time), `frozen` (the tables set aside by `freezeTerms`)
/// or `cold` (the term file). A document that changes becomes hot with its new terms; its
/// postings elsewhere are then stale and are filtered out of every answer, and dropped when
/// the next term file is written. So nothing is ever removed from a term file, and a
/// document that changes after its terms went to disk costs no read of its previous version.
extension StoreIndex {
    /// Distinct values in the hot tables: how much a term file would take out of memory.
    var hotValueCount: Int { termTables.reduce(0) { $0 + $1.count } }

    /// What the next term file is written from (`TermFileWriter`).
    struct TermFreeze {
        var frozen: FrozenTerms
        /// The term file in use, whose postings still holding are carried over.
        var old: TermFile?
        /// One bit per id: live and cold at the freeze, so its postings in `old` hold.
        var coldAtFreeze: [UInt64]

        func keepsOld(_ id: UInt32) -> Bool {
            Int(id >> 6) < coldAtFreeze.count && coldAtFreeze[Int(id >> 6)] & (1 << UInt64(id & 63)) != 0
        }
    }

    /// Sets the hot tables aside (they go on answering for their documents) and starts new,
    /// empty ones. Under the store's lock; one pass over the entries.
    mutating func freezeTerms() -> TermFreeze {
        precondition(frozenTerms == nil, "a term file is already being written")
        let frozen = FrozenTerms(names: termNames, tables: termTables, slots: termSlots)
        termNames = []
        termTables = []
        termSlots = HashSlots()
        var cold = [UInt64](repeating: 0, count: (entries.count + 63) / 64)
        entries.withUnsafeMutableBufferPointer { entries in
            for i in entries.indices where entries[i].isLive {
                if entries[i].termTier == Entry.cold {
                    cold[i >> 6] |= 1 << UInt64(i & 63)
                } else {
                    entries[i].termTier = Entry.frozen
                }
            }
        }
        frozenTerms = frozen
        return TermFreeze(frozen: frozen, old: termFile, coldAtFreeze: cold)
    }

    /// Puts the term file written from the frozen tables in place: the documents still frozen
    /// are answered from it now.
    mutating func installTermFile(_ file: TermFile) {
        entries.withUnsafeMutableBufferPointer { entries in
            for i in entries.indices where entries[i].termTier == Entry.frozen { entries[i].termTier = Entry.cold }
        }
        termFile = file
        frozenTerms = nil
    }

    /// Takes the frozen tables back into the hot ones when the term file could not be written.
    mutating func thawTerms() {
        guard let frozen = frozenTerms else { return }
        frozenTerms = nil
        for (name, table) in zip(frozen.names, frozen.tables) {
            var into: Int?
            table.forEach { value, ids in
                for id in ids where holds(id, Entry.frozen) {
                    if into == nil { into = termTableCreating(name) }
                    termTables[into!].add(value, document: id)
                }
            }
        }
        entries.withUnsafeMutableBufferPointer { entries in
            for i in entries.indices where entries[i].termTier == Entry.frozen { entries[i].termTier = Entry.hot }
        }
    }
}
