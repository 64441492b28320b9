import Foundation
import Testing
@testable import SnapshotStore

/// The term file (`TermFile`, `TermFileWriter`): what is written is found again, value by
/// value, through the filters and the block directory; a merge keeps exactly the postings it
/// is told to keep; damage is found when the file is opened.
@Suite("Snapshot store: term files")
struct TermFileTests {
    /// A table of `count` values over three index names, some carried by many documents.
    static func tables(_ count: Int, idsFrom base: UInt32) -> (names: [String], tables: [TermTable], model: [String: [String: Set<UInt32>]]) {
        let names = ["linkto", "unique:Customer.email_id", "remote:Customer"]
        var tables = [TermTable](repeating: TermTable(), count: names.count)
        var model: [String: [String: Set<UInt32>]] = [:]
        for i in 0..<count {
            let table = i % names.count
            // Every 7th value is shared by up to 40 documents; values with and without interned prefixes.
            let value = table == 0 ? "Customer Group\u{0}Group \(i % 97)" : "v-\(i)-Zürich-\(String(repeating: "x", count: i % 50))"
            let sharers = table == 0 ? 1 + i % 40 : 1
            for k in 0..<sharers {
                let id = base + UInt32(i * 41 + k)
                tables[table].add(value, document: id)
                model[names[table], default: [:]][value, default: []].insert(id)
            }
        }
        return (names, tables, model)
    }

    static func write(_ directory: TemporaryDirectory, number: UInt64, old: TermFile?, keep: (UInt32) -> Bool,
                      names: [String], tables: [TermTable]) throws -> TermFile {
        let path = directory.file(TermFile.fileName(number)).path
        _ = try TermFileWriter.write(to: path, number: number, merging: old, keepingOld: keep, frozenNames: names, frozen: tables)
        return try TermFile.open(path, number: number, verifyBlocks: true)
    }

    static func expectFile(_ file: TermFile, holds model: [String: [String: Set<UInt32>]]) throws {
        var postings = 0
        for (index, values) in model {
            for (value, ids) in values {
                let found = try file.documents(index: index, value: value) { _ in true }
                #expect(Set(found) == ids, "\(index) \(value.debugDescription)")
                #expect(found == found.sorted())
                postings += ids.count
            }
        }
        #expect(file.postingCount == postings)
        #expect(file.valueCount == model.values.reduce(0) { $0 + $1.count })
    }

    @Test func everyValueWrittenIsFoundAndNoOtherIs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (names, tables, model) = Self.tables(20_000, idsFrom: 0)
        let file = try Self.write(directory, number: 1, old: nil, keep: { _ in false }, names: names, tables: tables)
        try Self.expectFile(file, holds: model)
        #expect(file.sections.allSatisfy { $0.blockOffsets.count > 10 }, "each index spans many blocks")
        // Absent values: before the first, between two, after the last, an unknown index.
        for absent in ["", "Customer Group\u{0}Group 97", "v-1-Zürich-y", "zzzz", "v-3"] {
            for index in names { #expect(try file.documents(index: index, value: absent) { _ in true }.isEmpty) }
        }
        #expect(try file.documents(index: "nope", value: "v-1-Zürich-x") { _ in true }.isEmpty)
        // `limit` and `keep`.
        let shared = try #require(model["linkto"]?.max { $0.value.count < $1.value.count })
        #expect(try file.documents(index: "linkto", value: shared.key, limit: 3) { _ in true }.count == 3)
        let odd = try file.documents(index: "linkto", value: shared.key) { $0 % 2 == 1 }
        #expect(Set(odd) == shared.value.filter { $0 % 2 == 1 })
    }

    @Test func theFilterSparesMostReadsOfAbsentValues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (names, tables, _) = Self.tables(30_000, idsFrom: 0)
        let file = try Self.write(directory, number: 1, old: nil, keep: { _ in false }, names: names, tables: tables)
        let section = try #require(file.section(named: "remote:Customer"))
        let maybes = (0..<10_000).filter { i in
            file.sections[section].bloom.mayContain(hash: slotHash("absent \(i)"))
        }.count
        #expect(maybes < 500, "\(maybes) of 10,000 absent values passed the filter")
    }

    @Test func aMergeKeepsTheOldPostingsItIsToldToAndAddsTheNew() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (names, tables, oldModel) = Self.tables(9_000, idsFrom: 0)
        let old = try Self.write(directory, number: 1, old: nil, keep: { _ in false }, names: names, tables: tables)
        // New terms: some values new, some the old ones (for other documents); a new index name.
        var (newNames, newTables, newModel) = Self.tables(3_000, idsFrom: 1_000_000)
        newNames.append("unique:Item.item_code")
        var items = TermTable()
        items.add("ITEM-1", document: 2_000_000)
        newTables.append(items)
        newModel["unique:Item.item_code"] = ["ITEM-1": [2_000_000]]
        let keep: (UInt32) -> Bool = { $0 % 3 != 0 }
        let merged = try Self.write(directory, number: 2, old: old, keep: keep, names: newNames, tables: newTables)
        var expected: [String: [String: Set<UInt32>]] = [:]
        for (index, values) in oldModel {
            for (value, ids) in values where !ids.filter(keep).isEmpty { expected[index, default: [:]][value, default: []].formUnion(ids.filter(keep)) }
        }
        for (index, values) in newModel {
            for (value, ids) in values { expected[index, default: [:]][value, default: []].formUnion(ids) }
        }
        try Self.expectFile(merged, holds: expected)
        // A value whose old documents were all dropped is gone.
        let dropped = oldModel["remote:Customer"]!.first { $0.value.allSatisfy { !keep($0) } && newModel["remote:Customer"]?[$0.key] == nil }
        if let dropped { #expect(try merged.documents(index: "remote:Customer", value: dropped.key) { _ in true }.isEmpty) }
    }

    /// Values are ordered by hash, then bytes: values whose hashes collide must each be found,
    /// in one file and across a merge that brings more of the same hash.
    @Test func valuesWithEqualHashesAreEachFound() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var byHash: [UInt32: String] = [:]
        var pairs: [(String, String)] = []
        var i = 0
        while pairs.count < 3 && i < 2_000_000 {
            let value = "collide-\(i)"
            let hash = slotHash(value)
            if let other = byHash[hash] { pairs.append((other, value)) } else { byHash[hash] = value }
            i += 1
        }
        try #require(pairs.count == 3, "no 32-bit hash collisions found among \(i) values")
        var first = TermTable(), second = TermTable()
        var model: [String: Set<UInt32>] = [:]
        for (n, (a, b)) in pairs.enumerated() {
            // One of each pair in the first file, the other merged in from memory later.
            first.add(a, document: UInt32(10 * n))
            second.add(b, document: UInt32(10 * n + 1))
            second.add(a, document: UInt32(10 * n + 2))
            model[a] = [UInt32(10 * n), UInt32(10 * n + 2)]
            model[b] = [UInt32(10 * n + 1)]
        }
        for k in 0..<5_000 { first.add("filler-\(k)", document: UInt32(1_000 + k)) }
        let old = try Self.write(directory, number: 1, old: nil, keep: { _ in false }, names: ["linkto"], tables: [first])
        for (a, _) in pairs { #expect(try old.documents(index: "linkto", value: a) { _ in true }.count == 1) }
        let merged = try Self.write(directory, number: 2, old: old, keep: { _ in true }, names: ["linkto"], tables: [second])
        for (value, ids) in model {
            #expect(Set(try merged.documents(index: "linkto", value: value) { _ in true }) == ids, "\(value)")
        }
    }

    @Test func anEmptyFileIsValid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try Self.write(directory, number: 7, old: nil, keep: { _ in true }, names: [], tables: [])
        #expect(file.sections.isEmpty && file.postingCount == 0)
        #expect(try file.documents(index: "linkto", value: "x") { _ in true }.isEmpty)
    }

    @Test func damageAnywhereIsFoundOnOpen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (names, tables, _) = Self.tables(3_000, idsFrom: 0)
        let file = try Self.write(directory, number: 3, old: nil, keep: { _ in false }, names: names, tables: tables)
        let url = directory.file(TermFile.fileName(3))
        let size = try fileSize(url)
        let pristine = try Data(contentsOf: url)
        // The header, a block in the middle, the directory, the footer.
        let block = file.sections[1].blockOffsets[file.sections[1].blockOffsets.count / 2]
        for offset in [UInt64(20), block + 4, block + 30, size - 200, size - 5] {
            try flipByte(of: url, at: offset)
            #expect(throws: SnapshotStoreError.self, "a flipped byte at \(offset)") {
                _ = try TermFile.open(url.path, number: 3, verifyBlocks: true)
            }
            try pristine.write(to: url)
        }
        try truncateFile(url, to: size - 1)
        #expect(throws: SnapshotStoreError.self) { _ = try TermFile.open(url.path, number: 3, verifyBlocks: true) }
        try pristine.write(to: url)
        // The wrong number: a file renamed by hand is not taken for another.
        #expect(throws: SnapshotStoreError.self) { _ = try TermFile.open(url.path, number: 4, verifyBlocks: true) }
        _ = try TermFile.open(url.path, number: 3, verifyBlocks: true)
    }
}
