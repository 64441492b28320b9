/// The in-memory index: for every live document, where its current version lies in the data
/// file; per DocType, the names in order (for paging); per index term, the documents carrying
/// it. Documents are numbered by a dense `UInt32` id so that postings and name orders cost
/// four bytes a document, and DocTypes are interned as `UInt16`. Document bytes never live here.
///
/// A value type owned by the store's mutex; not thread-safe on its own.
struct StoreIndex {
    /// One document, packed in 16 bytes (an array of a million costs 16 MB, not 24): `word0`
    /// is the version's offset in the data file (40 bits, up to 1 TiB) and its record's length
    /// (24 bits; `longLength` when it does not fit, the length then kept in
    /// `StoreIndex.longLengths`); `word1` is the name's span in `names` (48 bits, `NameArena`),
    /// the DocType (12 bits), where its index terms are (`termTier`, 2 bits) and the live and
    /// has-terms flags.
    struct Entry {
        private var word0: UInt64
        private var word1: UInt64

        static let live: UInt8 = 1
        static let hasTerms: UInt8 = 2
        static let maximumOffset: UInt64 = 1 << 40 - 1
        static let longLength: UInt32 = 1 << 24 - 1
        static let maximumDoctypes = 1 << 12

        /// Where a document's index terms are: in `termTables` (hot), in `frozenTerms` (being
        /// written to the next term file) or in `termFile` (cold).
        static let hot: UInt8 = 0
        static let frozen: UInt8 = 1
        static let cold: UInt8 = 2

        init(name: UInt64, offset: UInt64, length: UInt32, doctype: UInt16, flags: UInt8) {
            word0 = 0
            word1 = 0
            self.name = name
            self.offset = offset
            self.length = length
            self.doctype = doctype
            self.flags = flags
        }

        /// The name's bytes in `names` (`NameArena`).
        var name: UInt64 {
            get { word1 & (1 << NameArena.spanBits - 1) }
            set { word1 = word1 & ~(1 << NameArena.spanBits - 1) | newValue }
        }

        var offset: UInt64 {
            get { word0 & Self.maximumOffset }
            set {
                precondition(newValue <= Self.maximumOffset, "the store's data file passed 1 TiB")
                word0 = word0 & ~Self.maximumOffset | newValue
            }
        }

        /// The record's length, or `longLength` when it is that long or longer (the index
        /// keeps the exact length then: `StoreIndex.length(of:)`).
        var length: UInt32 {
            get { UInt32(truncatingIfNeeded: word0 >> 40) }
            set { word0 = word0 & Self.maximumOffset | UInt64(min(newValue, Self.longLength)) << 40 }
        }

        var doctype: UInt16 {
            get { UInt16(truncatingIfNeeded: (word1 >> 48) & 0xFFF) }
            set { word1 = word1 & ~(0xFFF << 48) | UInt64(newValue & 0xFFF) << 48 }
        }

        /// `hot`, `frozen` or `cold`: which of the index's places holds the document's terms.
        /// A posting elsewhere is stale (the document changed since) and is not answered.
        var termTier: UInt8 {
            get { UInt8(truncatingIfNeeded: (word1 >> 60) & 3) }
            set { word1 = word1 & ~(3 << 60) | UInt64(newValue & 3) << 60 }
        }

        var flags: UInt8 {
            get { UInt8(truncatingIfNeeded: word1 >> 62) }
            set { word1 = word1 & ~(3 << 62) | UInt64(newValue & 3) << 62 }
        }

        var isLive: Bool { flags & Entry.live != 0 }
        var hasTerms: Bool { flags & Entry.hasTerms != 0 }
    }

    /// Where a document's current version lies.
    struct Location {
        var offset: UInt64
        var length: UInt32
        var hasTerms: Bool
        /// Where its terms are (`Entry.termTier`): only hot ones are removed one by one when
        /// the document changes; frozen and cold ones simply stop being answered.
        var termTier: UInt8 = Entry.hot
    }

    /// One DocType's names. `sorted` holds ids in name order as of the last merge and may still
    /// hold ids deleted since; `pending` holds ids added since. Ids deleted since the last merge
    /// wait in `limbo` and are not reused before it, so `sorted` never names a reused id.
    struct Table {
        /// Document ids by name (the names live in `entries`).
        var ids = HashSlots()
        var sorted: [UInt32] = []
        var pending: [UInt32] = []
        var limbo: [UInt32] = []
    }

    var doctypeIDs: [String: UInt16] = [:]
    var doctypeNames: [String] = []
    var tables: [Table] = []
    var entries: [Entry] = []
    /// The record lengths of the documents whose length does not fit an `Entry`
    /// (`Entry.longLength` or more: 16 MiB documents), by id.
    var longLengths: [UInt32: UInt32] = [:]
    /// The entries' names (`Entry.name` is a span into it).
    var names = NameArena(internsPrefixes: true)
    var freeIDs: [UInt32] = []
    /// Merges so far (`merge(doctype:)`): a `PendingOrder` taken since the last one is current.
    private(set) var merges: UInt64 = 0
    /// Term tables by index name (few names, looked up on every put: `HashSlots` over
    /// `termNames` with the fast hash rather than a `Dictionary<String, …>`).
    var termNames: [String] = []
    var termTables: [TermTable] = []
    var termSlots = HashSlots()
    /// The hot terms as they were when the next term file began to be written
    /// (`freezeTerms`), answered for the documents still `frozen` until it is in place.
    var frozenTerms: FrozenTerms?
    /// The terms of the documents `cold` since the last term file was written.
    var termFile: TermFile?
    /// Bytes of the live put records (the rest of the data file is dead or framing).
    var liveBytes: UInt64 = 0
    var liveCount = 0

    // MARK: Lookup

    func id(of key: DocumentKey) -> UInt32? {
        id(of: key, nameHash: slotHash(key.name))
    }

    /// `id(of:)` with the name's `slotHash` worked out by the caller (before taking the
    /// store's lock, for the lookups of link checks).
    func id(of key: DocumentKey, nameHash: UInt32) -> UInt32? {
        guard let doctype = doctypeID(key.doctype) else { return nil }
        return id(of: key.name, hash: nameHash, in: doctype)
    }

    /// The number of DocType `name`. A name of up to 15 bytes is held inside the `String`
    /// value, so equal short names have equal bits, and the usual ones (Item, Customer,
    /// Account, UOM) are found by comparing 16 bytes with each known DocType's, without
    /// hashing. A longer name has equal bits only when it is the very same string; the others
    /// are looked up in `doctypeIDs`.
    @inline(__always)
    func doctypeID(_ name: String) -> UInt16? {
        if MemoryLayout<String>.size == 16 {
            let wanted = unsafeBitCast(name, to: (UInt64, UInt64).self)
            let found = doctypeNames.withUnsafeBufferPointer { known -> Int? in
                guard let base = known.baseAddress else { return nil }
                let raw = UnsafeRawPointer(base)
                for i in 0..<known.count {
                    let at = i &* MemoryLayout<String>.stride
                    if raw.load(fromByteOffset: at, as: UInt64.self) == wanted.0
                        && raw.load(fromByteOffset: at &+ 8, as: UInt64.self) == wanted.1 { return i }
                }
                return nil
            }
            if let found { return UInt16(found) }
        }
        return doctypeIDs[name]
    }

    @inline(__always)
    func id(of name: String, hash: UInt32, in doctype: UInt16) -> UInt32? {
        tables[Int(doctype)].ids.find(hash: hash) { names.equals(entries[Int($0)].name, name) }
    }

    func location(of key: DocumentKey) -> Location? {
        guard let id = id(of: key) else { return nil }
        return location(of: id)
    }

    /// Where the document numbered `id` lies (its entry must be live).
    func location(of id: UInt32) -> Location {
        let entry = entries[Int(id)]
        return Location(offset: entry.offset, length: length(of: id), hasTerms: entry.hasTerms, termTier: entry.termTier)
    }

    /// The record length of the document numbered `id`.
    @inline(__always)
    func length(of id: UInt32) -> UInt32 {
        let length = entries[Int(id)].length
        return length == Entry.longLength ? longLengths[id] ?? length : length
    }

    /// Records the length of `id`'s record in its entry, or in `longLengths` when too long.
    @inline(__always)
    mutating func setLength(_ length: UInt32, of id: UInt32) {
        entries[Int(id)].length = length
        if length >= Entry.longLength {
            longLengths[id] = length
        } else if !longLengths.isEmpty {
            longLengths[id] = nil
        }
    }

    func key(of id: UInt32) -> DocumentKey {
        let entry = entries[Int(id)]
        return DocumentKey(doctype: doctypeNames[Int(entry.doctype)], name: names.string(entry.name))
    }

    /// The name of the document numbered `id`.
    func name(of id: UInt32) -> String {
        names.string(entries[Int(id)].name)
    }

    func keys(matching term: IndexTerm) -> [DocumentKey] {
        let ids = documents(with: term, limit: .max)
        if ids.count == 1 { return [key(of: ids[0])] }
        return ids.map { key(of: $0) }.sorted { ($0.doctype, $0.name) < ($1.doctype, $1.name) }
    }

    /// Up to `limit` of the documents carrying `term`, in no particular order.
    func keys(matching term: IndexTerm, limit: Int) -> [DocumentKey] {
        documents(with: term, limit: limit).map { key(of: $0) }
    }

    /// Up to `limit` ids of the documents carrying `term`: the hot ones, then those whose
    /// terms are frozen or in the term file and have not changed since. A document's terms are
    /// in one place at a time, so no id comes twice.
    func documents(with term: IndexTerm, limit: Int) -> [UInt32] {
        var ids = inMemoryDocuments(with: term, limit: limit)
        if ids.count < limit, let termFile {
            ids += stillCold(Self.read(termFile, term), limit: limit - ids.count)
        }
        return ids
    }

    /// The hot and frozen part of `documents(with:limit:)`.
    func inMemoryDocuments(with term: IndexTerm, limit: Int) -> [UInt32] {
        var ids = termTable(named: term.index).map { termTables[$0].documents(with: term.value, limit: limit) } ?? []
        if ids.count < limit, let frozenTerms, let table = frozenTerms.table(named: term.index) {
            for id in frozenTerms.tables[table].documents(with: term.value) where ids.count < limit && holds(id, Entry.frozen) {
                ids.append(id)
            }
        }
        return ids
    }

    /// Of the ids the term file lists, up to `limit` of those whose terms are still there.
    func stillCold(_ listed: [UInt32], limit: Int) -> [UInt32] {
        var ids: [UInt32] = []
        for id in listed where ids.count < limit && holds(id, Entry.cold) { ids.append(id) }
        return ids
    }

    /// Every id `file` lists for `term` (whether it still holds is `stillCold`'s call). Needs no
    /// lock: the file never changes.
    static func read(_ file: TermFile, _ term: IndexTerm) -> [UInt32] {
        do {
            return try file.documents(index: term.index, value: term.value) { _ in true }
        } catch {
            // Checked whole when the store opened; damaged since. An index that answers
            // wrongly would let a duplicate through or lose a link: stop instead. The next
            // open finds the damage and rebuilds the index from the data file.
            fatalError("the store's term file became unreadable: \(error)")
        }
    }

    /// Whether `id` is a live document whose terms are in place `tier`.
    @inline(__always)
    func holds(_ id: UInt32, _ tier: UInt8) -> Bool {
        Int(id) < entries.count && entries[Int(id)].isLive && entries[Int(id)].termTier == tier
    }

    func count(doctype: String) -> Int {
        guard let id = doctypeID(doctype) else { return 0 }
        return tables[Int(id)].ids.count
    }

    // MARK: Changes

    mutating func internDoctype(_ name: String) -> UInt16 {
        if let id = doctypeID(name) { return id }
        precondition(doctypeNames.count < Entry.maximumDoctypes, "more than \(Entry.maximumDoctypes) DocTypes")
        let id = UInt16(doctypeNames.count)
        doctypeIDs[name] = id
        doctypeNames.append(name)
        tables.append(Table())
        return id
    }

    /// Points `key` at a new version; returns the id and the previous location, if any.
    mutating func put(_ key: DocumentKey, offset: UInt64, length: UInt32, hasTerms: Bool) -> (id: UInt32, previous: Location?) {
        let doctype = internDoctype(key.doctype)
        let flags = Entry.live | (hasTerms ? Entry.hasTerms : 0)
        liveBytes += UInt64(length)
        let hash = slotHash(key.name)
        if let id = id(of: key.name, hash: hash, in: doctype) {
            let old = location(of: id)
            entries[Int(id)].offset = offset
            setLength(length, of: id)
            entries[Int(id)].flags = flags
            entries[Int(id)].termTier = Entry.hot
            liveBytes -= UInt64(old.length)
            return (id, old)
        }
        let entry = Entry(name: names.add(key.name), offset: offset, length: length, doctype: doctype, flags: flags)
        let id: UInt32
        if let free = freeIDs.popLast() {
            id = free
            entries[Int(id)] = entry
        } else {
            precondition(entries.count < Int(UInt32.max), "more than 2^32 documents")
            id = UInt32(entries.count)
            entries.append(entry)
        }
        setLength(length, of: id)
        tables[Int(doctype)].ids.insert(hash: hash, number: id)
        tables[Int(doctype)].pending.append(id)
        liveCount += 1
        return (id, nil)
    }

    /// Forgets `key`; returns its id and last location, if it existed.
    mutating func remove(_ key: DocumentKey) -> (id: UInt32, previous: Location)? {
        guard let doctype = doctypeID(key.doctype) else { return nil }
        let hash = slotHash(key.name)
        guard let id = id(of: key.name, hash: hash, in: doctype) else { return nil }
        tables[Int(doctype)].ids.remove(hash: hash) { $0 == id }
        let old = location(of: id)
        if !longLengths.isEmpty { longLengths[id] = nil }
        entries[Int(id)].flags = 0
        entries[Int(id)].termTier = Entry.hot
        names.remove(entries[Int(id)].name)
        entries[Int(id)].name = NameArena.empty
        if names.wantsCompaction { compactNames() }
        tables[Int(doctype)].limbo.append(id)
        liveBytes -= UInt64(old.length)
        liveCount -= 1
        return (id, old)
    }

    func termTable(named index: String) -> Int? {
        termSlots.find(hash: slotHash(index)) { termNames[Int($0)] == index }.map(Int.init)
    }

    /// The table of an index name, created if new.
    mutating func termTableCreating(_ index: String) -> Int {
        let hash = slotHash(index)
        if let found = termSlots.find(hash: hash, matches: { termNames[Int($0)] == index }) { return Int(found) }
        termNames.append(index)
        termTables.append(TermTable())
        termSlots.insert(hash: hash, number: UInt32(termNames.count - 1))
        return termNames.count - 1
    }

    mutating func addTerms(_ list: [IndexTerm], to id: UInt32) {
        for term in list {
            termTables[termTableCreating(term.index)].add(term.value, document: id)
        }
    }

    mutating func removeTerms(_ list: [IndexTerm], from id: UInt32) {
        for term in list {
            guard let table = termTable(named: term.index) else { continue }
            termTables[table].remove(term.value, document: id)
        }
    }

    /// Removes `id` from every posting list: the slow path when a previous version's terms
    /// cannot be read back from the data file.
    mutating func removeEverywhere(_ id: UInt32) {
        for table in termTables.indices { termTables[table].removeEverywhere(id) }
    }

    // MARK: Name order

    /// Brings a DocType's `sorted` list up to date and releases the ids deleted since the last
    /// merge for reuse. Cost: sorting the additions, one pass over the list. `presorted`: the
    /// first `covered` ids of `pending`, live ones in name order, sorted by the caller without
    /// the store's lock (`PendingOrder`); only those added since are sorted here.
    mutating func merge(doctype: UInt16, presorted: (covered: Int, ids: [UInt32])? = nil) {
        var table = tables[Int(doctype)]
        guard !table.pending.isEmpty || !table.limbo.isEmpty else { return }
        tables[Int(doctype)] = Table() // unique reference while editing
        merges += 1
        let entries = self.entries, names = self.names
        var added: [UInt32]
        if let presorted, presorted.covered <= table.pending.count {
            var later = table.pending[presorted.covered...].filter { entries[Int($0)].isLive }
            names.sort(&later) { entries[Int($0)].name }
            added = Self.mergedByName(presorted.ids, later, entries: entries, names: names)
        } else {
            added = table.pending.filter { entries[Int($0)].isLive }
            names.sort(&added) { entries[Int($0)].name }
        }
        table.sorted = Self.mergedByName(table.sorted, added, entries: entries, names: names)
        freeIDs.append(contentsOf: table.limbo)
        table.pending = []
        table.limbo = []
        tables[Int(doctype)] = table
    }

    /// Two lists of ids, each in name order, as one in name order without the ids no longer
    /// live. Of equal names the first list's comes first (two live documents of a DocType
    /// never have equal names).
    private static func mergedByName(_ a: [UInt32], _ b: [UInt32], entries: [Entry], names: NameArena) -> [UInt32] {
        var merged: [UInt32] = []
        merged.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count && !entries[Int(a[i])].isLive { i += 1; continue }
            if j < b.count && !entries[Int(b[j])].isLive { j += 1; continue }
            if j == b.count || (i < a.count && !names.less(entries[Int(b[j])].name, entries[Int(a[i])].name)) {
                merged.append(a[i]); i += 1
            } else {
                merged.append(b[j]); j += 1
            }
        }
        return merged
    }

    /// The live ids each DocType took in since its last merge and their names' spans, taken
    /// under the store's lock so that `PendingOrder.sort()` can sort them without it; nil when
    /// fewer than `minimum` (sorting them under the lock costs less than taking them out).
    func pendingOrder(minimum: Int) -> PendingOrder? {
        var taken: [PendingOrder.Table] = []
        var total = 0
        for (doctype, table) in tables.enumerated() where !table.pending.isEmpty {
            let ids = table.pending.filter { entries[Int($0)].isLive }
            taken.append(PendingOrder.Table(doctype: UInt16(doctype), covered: table.pending.count, ids: ids,
                                            spans: ids.map { entries[Int($0)].name }))
            total += ids.count
        }
        guard total >= minimum else { return nil }
        return PendingOrder(merges: merges, tables: taken, names: names)
    }

    /// `mergeAll()`, taking the order of the additions from `presorted` when no merge came
    /// after it was taken (until the next merge, a DocType's `pending` only grows, and no id
    /// in it is reused).
    mutating func mergeAll(presorted: PendingOrder?) {
        if let presorted, presorted.merges == merges {
            for table in presorted.tables { merge(doctype: table.doctype, presorted: (table.covered, table.ids)) }
        }
        mergeAll()
    }

    /// Rewrites `names` without the bytes of removed documents' names.
    mutating func compactNames() {
        let live = entries.indices.filter { entries[$0].name != NameArena.empty }
        let (fresh, moved) = names.compacted(live.map { entries[$0].name })
        for (i, id) in live.enumerated() { entries[id].name = moved[i] }
        names = fresh
    }

    mutating func mergeAll() {
        for doctype in 0..<tables.count { merge(doctype: UInt16(doctype)) }
    }

    /// Up to `limit` ids of a DocType in name order, strictly after `after` (from the start if nil).
    mutating func names(doctype name: String, after: String?, limit: Int) -> [UInt32] {
        guard limit > 0, let doctype = doctypeIDs[name] else { return [] }
        merge(doctype: doctype)
        let sorted = tables[Int(doctype)].sorted
        var low = 0
        if let after {
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if !names.less(after, than: entries[Int(sorted[mid])].name) { low = mid + 1 } else { high = mid }
            }
        }
        return Array(sorted[low..<(low + min(limit, sorted.count - low))])
    }
}

