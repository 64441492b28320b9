import SiteStreamJSON

/// Reading the JSON control messages: every accessor names the message and field that is
/// missing or of the wrong type, so a bad request is refused with a message a person can fix.
struct WireReader {
    let message: String
    let object: JSONObject

    init(_ bytes: [UInt8], message: String) throws {
        self.message = message
        let json: JSON
        do { json = try JSON(parsing: bytes) } catch {
            throw StreamError(.invalidRequest, "\(message): not valid JSON: \(error)")
        }
        guard let o = json.objectValue else { throw StreamError(.invalidRequest, "\(message): expected a JSON object") }
        object = o
    }

    init(_ object: JSONObject, message: String) {
        self.message = message
        self.object = object
    }

    func string(_ key: String) throws -> String {
        guard let s = object[key]?.stringValue, !s.isEmpty else {
            throw StreamError(.invalidRequest, "\(message): '\(key)' must be a non-empty string")
        }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw StreamError(.invalidRequest, "\(message): '\(key)' must be a string, found \(other)")
        }
    }

    func uint(_ key: String) throws -> UInt64 {
        guard let n = object[key]?.intValue, n >= 0 else {
            throw StreamError(.invalidRequest, "\(message): '\(key)' must be a non-negative integer")
        }
        return UInt64(n)
    }

    func array(_ key: String) throws -> [JSON] {
        guard let a = object[key]?.arrayValue else {
            throw StreamError(.invalidRequest, "\(message): '\(key)' must be an array")
        }
        return a
    }

    func objects(_ key: String) throws -> [WireReader] {
        try array(key).enumerated().map { i, item in
            guard let o = item.objectValue else {
                throw StreamError(.invalidRequest, "\(message): '\(key)'[\(i)] must be an object")
            }
            return WireReader(o, message: "\(message) \(key)[\(i)]")
        }
    }
}
