import SiteStreamJSON

/// Hands out the next number of a named series. The site persists counters; tests use
/// `InMemorySeriesCounter`. A series is the resolved prefix (`ACC-GLE-2026-`), or the DocType
/// name for `autoincrement`.
public protocol SeriesCounter {
    /// The next value of `series`, starting at 1 for a series never seen.
    mutating func next(series: String) throws -> Int
}

/// A `SeriesCounter` held in memory.
public struct InMemorySeriesCounter: SeriesCounter, Sendable {
    public private(set) var values: [String: Int]
    public init(values: [String: Int] = [:]) { self.values = values }
    public mutating func next(series: String) throws -> Int {
        let n = (values[series] ?? 0) + 1
        values[series] = n
        return n
    }
}

/// A calendar date (no time zone arithmetic here: the caller says what "today" is).
public struct CivilDate: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
}

/// Why a name could not be made.
public struct NamingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var doctype: String
    public var field: String?
    public var message: String
    public init(doctype: String, field: String?, message: String) {
        self.doctype = doctype
        self.field = field
        self.message = message
    }
    public var description: String {
        "\(doctype)\(field.map { ", field '\($0)'" } ?? ""): \(message)"
    }
}

/// Makes names for new documents and their rows by the DocType's `NamingRule`.
///
/// Everything that varies is injected: the counter (persisted by the site), today's date and
/// the random source, so naming is reproducible in tests.
public struct Namer<Counter: SeriesCounter, Random: RandomNumberGenerator> {
    public var counter: Counter
    public var random: Random
    public var today: CivilDate

    public init(counter: Counter, random: Random, today: CivilDate) {
        self.counter = counter
        self.random = random
        self.today = today
    }

    /// A name for `document` under `doctype`'s rule. For `.prompt` the name comes from the
    /// document (`name`, or Frappe's `__newname`). Counters advance only when a name is made.
    public mutating func newName(for document: Document, doctype: DocType) throws -> String {
        switch doctype.namingRule {
        case .hash:
            return randomHash()
        case .prompt:
            if let given = document.name ?? document["__newname"]?.stringValue?.trimmingWhitespace(), !given.isEmpty {
                return given
            }
            throw NamingError(doctype: doctype.name, field: "name",
                              message: "a name must be given (the DocType is named by prompt)")
        case .autoincrement:
            return String(try counter.next(series: doctype.name))
        case .field(let field):
            guard let text = Namer.text(of: document[field]), !text.isEmpty else {
                throw NamingError(doctype: doctype.name, field: field,
                                  message: "the document is named by '\(field)', which is empty")
            }
            return text
        case .series(let pattern), .format(let pattern):
            return try render(pattern, for: document, doctype: doctype.name)
        case .namingSeries(let options, let defaultSeries):
            let chosen = Namer.text(of: document[NamingRule.namingSeriesField]).flatMap { $0.isEmpty ? nil : $0 }
                ?? defaultSeries ?? options.first?.source
            guard let chosen else {
                throw NamingError(doctype: doctype.name, field: NamingRule.namingSeriesField,
                                  message: "no naming series is set and the DocType has no default series")
            }
            let pattern: NamePattern
            if let known = options.first(where: { $0.source == chosen }) {
                pattern = known
            } else {
                do {
                    let names = Set(doctype.dataFields.map(\.fieldname))
                    pattern = try NamePattern(series: chosen, fieldnames: names, doctype: doctype.name)
                } catch {
                    throw NamingError(doctype: doctype.name, field: NamingRule.namingSeriesField, message: error.message)
                }
            }
            return try render(pattern, for: document, doctype: doctype.name)
        }
    }

    /// Names `document` if it has no name, and every row of its tables that has none.
    public mutating func assignNames(to document: inout Document, doctype: DocType, schema: Schema) throws {
        if document.name == nil {
            document.name = try newName(for: document, doctype: doctype)
        }
        for table in doctype.tableFields {
            guard let position = document.object.index(forKey: table.fieldname),
                  case .array(var rows) = document.object.value(at: position) else { continue }
            // The rows are moved out of the document, and each row out of the rows, while it
            // is named: changing a copy that is still stored copies all its keys and values.
            document.object.replaceValue(at: position, with: .null)
            defer { document.object.replaceValue(at: position, with: .array(rows)) }
            // Looked up once per table, and only if a row needs a name.
            var child: DocType?
            var childLookedUp = false
            for i in rows.indices {
                guard case .object(var row) = rows[i], row["name"]?.stringValue?.isEmpty ?? true else { continue }
                if !childLookedUp {
                    child = table.targetDocType.flatMap { schema[$0] }
                    childLookedUp = true
                }
                let name: String
                if let child, child.namingRule != .hash {
                    name = try newName(for: Document(row), doctype: child)
                } else {
                    name = randomHash()
                }
                rows[i] = .null
                row["name"] = .string(name)
                rows[i] = .object(row)
            }
        }
    }

    /// Frappe's default name: 10 lowercase hexadecimal characters.
    public mutating func randomHash() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        var bits = random.next()
        for _ in 0..<10 {
            bytes.append(digits[Int(bits & 0xF)])
            bits >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func render(_ pattern: NamePattern, for document: Document, doctype: String) throws -> String {
        var out = ""
        for part in pattern.parts {
            switch part {
            case .literal(let s): out += s
            case .year4: out += Namer.pad(today.year, 4)
            case .year2: out += Namer.pad(today.year % 100, 2)
            case .month: out += Namer.pad(today.month, 2)
            case .day: out += Namer.pad(today.day, 2)
            case .field(let f):
                guard let text = Namer.text(of: document[f]), !text.isEmpty else {
                    throw NamingError(doctype: doctype, field: f,
                                      message: "the name pattern '\(pattern.source)' uses '\(f)', which is empty")
                }
                out += text
            case .counter(let digits):
                let n = try counter.next(series: out)
                out += Namer.pad(n, digits)
            }
        }
        return out
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        // Digits are one byte each: `utf8.count` is their number, without a grapheme walk.
        let digits = s.utf8.count
        return digits >= width ? s : String(repeating: "0", count: width - digits) + s
    }

    private static func text(of value: JSON?) -> String? {
        switch value {
        case .string(let s)?: s.trimmingWhitespace()
        case .int(let i)?: String(i)
        case .double(let d)?: d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        default: nil
        }
    }
}
