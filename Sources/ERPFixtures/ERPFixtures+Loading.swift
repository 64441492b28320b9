public import SiteStreamJSON
public import DocumentModel

/// The embedded fixtures as parsed values and as a ready `Schema`, for `sitestream init`, the
/// demo, tests and benchmarks.
extension ERPFixtures {
    /// Every DocType file parsed: the input `Schema.loading(_:)` takes.
    /// Throws the parser's error naming the offset (a fixture that does not parse is a build
    /// defect the tests catch first).
    public static func parsedDocTypeFiles() throws -> [(name: String, json: JSON)] {
        try embeddedDocTypeFiles.map { ($0.name, try JSON(parsing: $0.json)) }
    }

    /// The system DocTypes plus every fixture DocType. The fixtures load without warnings
    /// (tested), so none are returned.
    ///
    /// ```swift
    /// let schema = try ERPFixtures.schema()
    /// let invoice = try schema.validate(Document(json: generator.salesInvoice(rows: 20))!)
    /// ```
    public static func schema() throws -> Schema {
        try Schema.loading(parsedDocTypeFiles()).schema
    }

    /// The `Document Type Mapping` documents, in an order that inserts each after the mappings
    /// it names.
    public static func mappingDocuments() throws -> [JSON] {
        try embeddedMappingFiles.map { try JSON(parsing: $0.json) }
    }
}
