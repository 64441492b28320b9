/// A name pattern: literal text, a counter, date parts and field values.
///
/// Two spellings are read, as Frappe writes them:
/// - dot series (`autoname: "ACC-GLE-.YYYY.-.#####"`, naming series options `"ACC-SINV-.YYYY.-"`):
///   parts split on `.`; `###…` is the counter, `YYYY`/`YY`/`MM`/`DD` are date parts, `{field}`
///   or a bare declared fieldname is that field's value, anything else is literal. A series
///   without a counter gets `.#####` appended, as Frappe does.
/// - format (`autoname: "format:INV-{YYYY}-{MM}-{#####}"`): literal text with `{…}` placeholders.
///
/// The counter is keyed by the resolved text before it (`ACC-GLE-2026-`), so each prefix
/// (each year, for a yearly series) counts from 1.
public struct NamePattern: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        /// The series counter, zero-padded to `digits`.
        case counter(digits: Int)
        case year4, year2, month, day
        /// The value of a field of the document being named.
        case field(String)
    }

    public private(set) var parts: [Part]
    /// The pattern as written.
    public let source: String

    /// Parses a dot series. `fields` are the DocType's fieldnames (for bare field parts).
    public init(series: String, fieldnames: Set<String> = [], doctype: String = "?") throws(DocTypeError) {
        let source = series.trimmingWhitespace()
        self.source = source
        guard !source.isEmpty else {
            throw DocTypeError(doctype: doctype, field: nil, message: "the naming series is empty")
        }
        var parts: [Part] = []
        for piece in source.split(separator: ".", omittingEmptySubsequences: true).map(String.init) {
            if piece.contains("#") {
                guard piece.allSatisfy({ $0 == "#" }) else {
                    throw DocTypeError(doctype: doctype, field: nil,
                                       message: "naming series '\(source)': part '\(piece)' mixes '#' with other text; write the counter as its own part, e.g. 'INV-.#####'")
                }
                parts.append(.counter(digits: piece.count))
                continue
            }
            switch piece {
            case "YYYY": parts.append(.year4)
            case "YY": parts.append(.year2)
            case "MM": parts.append(.month)
            case "DD": parts.append(.day)
            default:
                if piece.hasPrefix("{"), piece.hasSuffix("}"), piece.count > 2 {
                    parts.append(.field(String(piece.dropFirst().dropLast())))
                } else if piece.contains("{") || piece.contains("}") {
                    throw DocTypeError(doctype: doctype, field: nil,
                                       message: "naming series '\(source)': part '\(piece)' has an unbalanced brace")
                } else if fieldnames.contains(piece) {
                    parts.append(.field(piece))
                } else {
                    parts.append(.literal(piece))
                }
            }
        }
        let counters = parts.filter { if case .counter = $0 { true } else { false } }.count
        if counters > 1 {
            throw DocTypeError(doctype: doctype, field: nil,
                               message: "naming series '\(source)' has \(counters) counters ('#' parts); it may have one")
        }
        if counters == 0 { parts.append(.counter(digits: 5)) }
        self.parts = parts
    }

    /// Parses a format pattern (the text after `format:`).
    public init(format: String, fieldnames: Set<String>, doctype: String = "?") throws(DocTypeError) {
        self.source = format
        func fail(_ why: String) -> DocTypeError {
            DocTypeError(doctype: doctype, field: nil, message: "naming format 'format:\(format)': \(why)")
        }
        guard !format.trimmingWhitespace().isEmpty else { throw fail("the pattern is empty") }
        var parts: [Part] = []
        var literal = ""
        var placeholder: String? = nil
        for ch in format {
            if var open = placeholder {
                if ch == "}" {
                    let token = open.trimmingWhitespace()
                    guard !token.isEmpty else { throw fail("'{}' names nothing") }
                    if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                    if token.allSatisfy({ $0 == "#" }) {
                        parts.append(.counter(digits: token.count))
                    } else if token.contains("#") {
                        throw fail("'{\(token)}' mixes '#' with other text")
                    } else {
                        switch token {
                        case "YYYY": parts.append(.year4)
                        case "YY": parts.append(.year2)
                        case "MM": parts.append(.month)
                        case "DD": parts.append(.day)
                        default:
                            guard fieldnames.contains(token) else {
                                throw fail("'{\(token)}' is neither a date part (YYYY, YY, MM, DD), a counter ('{#####}') nor a field of the DocType")
                            }
                            parts.append(.field(token))
                        }
                    }
                    placeholder = nil
                } else if ch == "{" {
                    throw fail("a '{' opens inside '{\(open)'")
                } else {
                    open.append(ch)
                    placeholder = open
                }
            } else if ch == "{" {
                placeholder = ""
            } else if ch == "}" {
                throw fail("a '}' closes nothing")
            } else {
                literal.append(ch)
            }
        }
        if let open = placeholder { throw fail("'{\(open)' is never closed") }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        let counters = parts.filter { if case .counter = $0 { true } else { false } }.count
        if counters > 1 { throw fail("it has \(counters) counters; it may have one") }
        self.parts = parts
    }

    /// Whether the pattern uses a counter.
    public var hasCounter: Bool {
        parts.contains { if case .counter = $0 { true } else { false } }
    }

    public var description: String { source }
}
