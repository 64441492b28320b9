import SiteStreamJSON

/// Turns a field's incoming value into the form stored for its type, as Frappe would cast it:
/// `"12"` → 12 for Int, `true`/`"1"` → 1 for Check, numbers → text for text fields, dates
/// checked as `YYYY-MM-DD`, datetimes as `YYYY-MM-DD HH:MM:SS[.ffffff]`.
public enum FieldCoercion {
    /// The coerced value, or a message saying why the value does not fit the field.
    public enum Outcome: Sendable, Equatable {
        case value(JSON)
        case invalid(ValidationIssue.Code, String)
    }

    public static func coerce(_ value: JSON, for field: DocField) -> Outcome {
        coerce(value, facts: FieldFacts(field))
    }

    /// The values of a field type that `coerce` returns unchanged, whatever they hold: a value
    /// already of the field's type. Dates, times, Selects and tables are not among them (their
    /// text is normalised or checked against choices, their rows rewritten).
    enum AsIs: Sendable {
        case wholeNumber, number, check, text, anything, none

        init(_ type: FieldType) {
            switch type {
            case .int: self = .wholeNumber
            case .float, .currency, .percent, .rating, .duration: self = .number
            case .check: self = .check
            case .json, .geolocation, .other: self = .anything
            case .select, .date, .datetime, .time, .table, .tableMultiSelect: self = .none
            default: self = type.isText ? .text : .none
            }
        }
    }

    /// True when `coerce(value, facts: facts)` would return `.value(value)`: the common case
    /// of a value that already has its field's type, answered without building an outcome or
    /// comparing the result with the input. False says nothing: `coerce` decides.
    @inline(__always)
    static func keepsAsIs(_ value: JSON, traits: FieldTraits) -> Bool {
        switch value {
        case .null: return true
        case .int(let i):
            switch traits.asIs {
            case .wholeNumber, .anything: return true
            case .check: return i == 0 || i == 1
            default: return false
            }
        case .double(let d):
            switch traits.asIs {
            case .number: return d.isFinite
            case .anything: return true
            default: return false
            }
        case .string(let s):
            switch traits.asIs {
            case .text:
                // `coerce` refuses a text only when it is longer than `length` in Characters,
                // which a text of at most `length` UTF-8 bytes never is.
                return traits.length <= 0 || s.utf8.count <= traits.length
            case .anything: return true
            default: return false
            }
        default:
            return traits.asIs == .anything
        }
    }

    /// `coerce(_:for:)` with what the field needs worked out once (`FieldFacts`: the Select
    /// choices split), so a validation pass splits no strings, copies no `DocField` and builds
    /// no message unless a value is refused.
    static func coerce(_ value: JSON, facts: FieldFacts) -> Outcome {
        if case .null = value { return .value(.null) }
        let type = facts.fieldtype
        var label: String { "'\(facts.fieldname)' (\(type.rawValue))" }
        switch type {
        case .int:
            switch value {
            case .int: return .value(value)
            case .double(let d):
                guard d.isFinite, d.rounded() == d, abs(d) < 9.2e18 else {
                    return .invalid(.wrongType, "\(label) needs a whole number, found \(value.briefDescription)")
                }
                return .value(.int(Int64(d)))
            case .string(let s):
                let t = s.trimmingWhitespace()
                if t.isEmpty { return .value(.int(0)) }
                if let i = Int64(t) { return .value(.int(i)) }
                if let d = Double(t), d.isFinite, d.rounded() == d, abs(d) < 9.2e18 { return .value(.int(Int64(d))) }
                return .invalid(.wrongType, "\(label) needs a whole number, found \(value.briefDescription)")
            default:
                return .invalid(.wrongType, "\(label) needs a whole number, found \(value.briefDescription)")
            }
        case .float, .currency, .percent, .rating, .duration:
            switch value {
            case .double(let d):
                guard d.isFinite else { return .invalid(.wrongType, "\(label) needs a finite number") }
                return .value(value)
            case .int(let i): return .value(.double(Double(i)))
            case .string(let s):
                let t = s.trimmingWhitespace()
                if t.isEmpty { return .value(.double(0)) }
                if let d = Double(t), d.isFinite { return .value(.double(d)) }
                return .invalid(.wrongType, "\(label) needs a number, found \(value.briefDescription)")
            default:
                return .invalid(.wrongType, "\(label) needs a number, found \(value.briefDescription)")
            }
        case .check:
            switch value {
            case .bool(let b): return .value(.int(b ? 1 : 0))
            case .int(let i) where i == 0 || i == 1: return .value(value)
            case .double(let d) where d == 0 || d == 1: return .value(.int(Int64(d)))
            case .string(let s):
                switch s.trimmingWhitespace().lowercased() {
                case "", "0", "false": return .value(.int(0))
                case "1", "true": return .value(.int(1))
                default: break
                }
            default: break
            }
            return .invalid(.wrongType, "\(label) must be 0 or 1 (or true/false), found \(value.briefDescription)")
        case .date:
            guard case .string(let s) = value else {
                return .invalid(.invalidDate, "\(label) needs a date as text YYYY-MM-DD, found \(value.briefDescription)")
            }
            let t = s.trimmingWhitespace()
            if t.isEmpty { return .value(.null) }
            guard let date = FrappeDateTime.normalizedDate(t) else {
                return .invalid(.invalidDate, "\(label) needs a date YYYY-MM-DD, found \"\(s)\"")
            }
            return .value(.string(date))
        case .datetime:
            guard case .string(let s) = value else {
                return .invalid(.invalidDate, "\(label) needs a datetime as text YYYY-MM-DD HH:MM:SS, found \(value.briefDescription)")
            }
            let t = s.trimmingWhitespace()
            if t.isEmpty { return .value(.null) }
            guard let dt = FrappeDateTime.normalizedDatetime(t) else {
                return .invalid(.invalidDate, "\(label) needs a datetime YYYY-MM-DD HH:MM:SS[.ffffff], found \"\(s)\"")
            }
            return .value(.string(dt))
        case .time:
            guard case .string(let s) = value else {
                return .invalid(.invalidDate, "\(label) needs a time as text HH:MM:SS, found \(value.briefDescription)")
            }
            let t = s.trimmingWhitespace()
            if t.isEmpty { return .value(.null) }
            guard let time = FrappeDateTime.normalizedTime(t) else {
                return .invalid(.invalidDate, "\(label) needs a time HH:MM[:SS[.ffffff]], found \"\(s)\"")
            }
            return .value(.string(time))
        case .table, .tableMultiSelect:
            guard case .array = value else {
                return .invalid(.wrongType, "\(label) needs an array of rows, found \(value.briefDescription)")
            }
            return .value(value)
        case .json, .geolocation, .other:
            return .value(value)
        default:
            guard type.isText else { return .value(value) }
            let text: String
            switch value {
            case .string(let s): text = s
            case .int(let i): text = String(i)
            case .double(let d): text = d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            default:
                return .invalid(.wrongType, "\(label) needs text, found \(value.briefDescription)")
            }
            if type == .select, !text.isEmpty {
                let options = facts.selectOptions
                if facts.selectRestricts, !options.contains(text) {
                    let shown = options.filter { !$0.isEmpty }.map { "\"\($0)\"" }.joined(separator: ", ")
                    return .invalid(.invalidOption, "\(label): \"\(text)\" is not one of the options \(shown)")
                }
            }
            // `utf8.count` is O(1) and never below the Character count: only a long text pays
            // for counting Characters.
            if case let length = facts.traits.length, length > 0, text.utf8.count > length, text.count > length {
                return .invalid(.tooLong, "\(label) allows \(length) characters, found \(text.count)")
            }
            if case .string = value { return .value(value) }
            return .value(.string(text))
        }
    }
}
