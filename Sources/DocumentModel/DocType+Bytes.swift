import SiteStreamJSON

extension DocType {
    /// Reads a DocType from the bytes of a Frappe DocType JSON file. A JSON syntax error is
    /// reported as a `DocTypeError` carrying the parser's message (with its position).
    public init(jsonBytes: [UInt8]) throws(DocTypeError) {
        let json: JSON
        do {
            json = try JSON(parsing: jsonBytes)
        } catch {
            throw DocTypeError(doctype: "?", field: nil, message: "not valid JSON: \(error)")
        }
        try self.init(json: json)
    }
}

extension Schema {
    /// Loads DocTypes from the bytes of DocType JSON files, `(file name, contents)`; see
    /// `loading(_:)` for JSON values. The file name is only used in messages.
    public static func loading(_ files: [(name: String, bytes: [UInt8])]) throws(DocTypeError) -> (schema: Schema, warnings: [SchemaWarning]) {
        var parsed: [(name: String, json: JSON)] = []
        parsed.reserveCapacity(files.count)
        for file in files {
            do {
                parsed.append((file.name, try JSON(parsing: file.bytes)))
            } catch {
                throw DocTypeError(doctype: file.name, field: nil, message: "\(file.name): not valid JSON: \(error)")
            }
        }
        return try loading(parsed)
    }
}
