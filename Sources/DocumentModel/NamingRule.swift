/// How new documents of a DocType get their `name`, read from Frappe's `autoname` and
/// `naming_rule`.
///
/// | autoname / naming_rule | rule |
/// |---|---|
/// | `hash`, naming_rule `Random`, or nothing (Frappe's default) | `.hash`: 10 random hex characters |
/// | `field:FIELD` (`By fieldname`) | `.field`: the value of FIELD |
/// | `naming_series:` (`By "Naming Series" field`) | `.namingSeries`: the series in the document's `naming_series` field, else its default, else the first option |
/// | a dot pattern such as `ACC-GLE-.YYYY.-.#####` (`Expression (old style)`) | `.series` |
/// | `format:INV-{YYYY}-{#####}` (`Expression`) | `.format` |
/// | `autoincrement` (`Autoincrement`) | `.autoincrement`: the next integer of the DocType's counter |
/// | `prompt`/`Prompt` (`Set by user`) | `.prompt`: the caller must give the name |
/// | naming_rule `By script` with no autoname | `.hash` (a site controller may name it instead) |
public enum NamingRule: Sendable, Hashable {
    case hash
    case field(String)
    /// Options of the `naming_series` Select field, parsed, and the default series.
    case namingSeries(options: [NamePattern], defaultSeries: String?)
    case series(NamePattern)
    case format(NamePattern)
    case autoincrement
    case prompt

    /// The field a `naming_series:` DocType keeps its series in.
    public static let namingSeriesField = "naming_series"

    init(autoname raw: String?, namingRule ruleName: String?, doctype: DocType) throws(DocTypeError) {
        let autoname = raw?.trimmingWhitespace() ?? ""
        let rule = ruleName?.trimmingWhitespace() ?? ""
        let names = Set(doctype.fields.lazy.filter { $0.fieldtype.isData }.map(\.fieldname))
        let lower = autoname.lowercased()
        func fail(_ message: String) -> DocTypeError {
            DocTypeError(doctype: doctype.name, field: nil, message: message)
        }
        if autoname.isEmpty {
            switch rule.lowercased() {
            case "", "random", "by script", "hash": self = .hash
            case "autoincrement": self = .autoincrement
            case "set by user", "prompt": self = .prompt
            case "by fieldname", "expression", "expression (old style)", "by \"naming series\" field":
                throw fail("naming_rule '\(rule)' needs an 'autoname' (e.g. 'field:…', 'format:…' or 'naming_series:'), and there is none")
            default:
                throw fail("unknown naming_rule '\(rule)'")
            }
        } else if lower == "hash" || lower == "random" {
            self = .hash
        } else if lower == "autoincrement" {
            self = .autoincrement
        } else if lower == "prompt" {
            self = .prompt
        } else if lower.hasPrefix("field:") {
            let field = String(autoname.dropFirst("field:".count)).trimmingWhitespace()
            guard !field.isEmpty else { throw fail("autoname 'field:' names no field") }
            guard let declared = doctype.field(named: field), declared.fieldtype.isData else {
                throw fail("autoname '\(autoname)' names field '\(field)', which the DocType does not have")
            }
            self = .field(field)
        } else if lower.hasPrefix("naming_series:") {
            var options: [NamePattern] = []
            var defaultSeries: String? = nil
            if let field = doctype.field(named: NamingRule.namingSeriesField) {
                for option in field.selectOptions where !option.isEmpty {
                    do {
                        options.append(try NamePattern(series: option, fieldnames: names, doctype: doctype.name))
                    } catch {
                        throw DocTypeError(doctype: doctype.name, field: NamingRule.namingSeriesField,
                                           message: "naming_series option '\(option)': \(error.message)")
                    }
                }
                if let d = field.defaultValue?.trimmingWhitespace(), !d.isEmpty { defaultSeries = d }
            }
            // Frappe also allows "naming_series:SERIES" naming a default series inline.
            let inline = String(autoname.dropFirst("naming_series:".count)).trimmingWhitespace()
            if !inline.isEmpty {
                _ = try NamePattern(series: inline, fieldnames: names, doctype: doctype.name)
                defaultSeries = defaultSeries ?? inline
            }
            self = .namingSeries(options: options, defaultSeries: defaultSeries)
        } else if lower.hasPrefix("format:") {
            let body = String(autoname.dropFirst("format:".count))
            self = .format(try NamePattern(format: body, fieldnames: names, doctype: doctype.name))
        } else if autoname.contains(".") || autoname.contains("#") {
            self = .series(try NamePattern(series: autoname, fieldnames: names, doctype: doctype.name))
        } else {
            throw fail("autoname '\(autoname)' is not a naming rule: use 'hash', 'field:FIELD', 'naming_series:', 'format:…{#####}', a series like 'PRE-.#####', 'autoincrement' or 'prompt'")
        }
    }
}
