/// The first 32 bytes of a data file. Layout (little endian):
///
///     0  magic       u64  "SSDATA01"
///     8  generation  u64  as in the file name
///     16 reserved    u64  0
///     24 reserved    u32  0
///     28 crc32       u32  over bytes [0, 28)
enum DataFileHeader {
    static let magic: UInt64 = 0x3130_4154_4144_5353 // "SSDATA01" in file order
    static let size = 32

    static func encode(generation: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: size)
        writer.write(magic)
        writer.write(generation)
        writer.write(UInt64(0))
        writer.write(UInt32(0))
        writer.write(checksum(writer.bytes, from: 0, to: writer.count))
        return writer.bytes
    }

    /// Checks a data file's header; throws `.badFormat` naming the file when it is not ours.
    static func check(_ file: StoreFile, generation: UInt64) throws {
        let bytes = try file.read(count: size, at: 0)
        try bytes.withUnsafeBytes { raw in
            let reader = ByteReader(raw)
            guard raw.count == size, reader.get(UInt64.self, at: 0) == magic,
                  reader.get(UInt32.self, at: 28) == checksum(UnsafeRawBufferPointer(rebasing: raw[0..<28]))
            else { throw SnapshotStoreError(.badFormat, "not a snapshot-store data file (bad header)", file: file.path, offset: 0) }
            guard reader.get(UInt64.self, at: 8) == generation else {
                throw SnapshotStoreError(.badFormat, "header names generation \(reader.get(UInt64.self, at: 8)!), file name \(generation)", file: file.path, offset: 8)
            }
        }
    }

    /// Creates a data file durably: header written to a temporary name, synced, renamed.
    static func create(directory: String, generation: UInt64) throws -> StoreFile {
        let path = directory + "/" + SnapshotStore.dataFileName(generation)
        let temporary = path + ".tmp"
        do {
            let file = try StoreFile.open(temporary, create: true, truncate: true)
            try file.write(encode(generation: generation), at: 0)
            try file.syncData()
        }
        try StoreDirectory.rename(temporary, path)
        try StoreDirectory.sync(directory)
        return try StoreFile.open(path, create: false)
    }
}
