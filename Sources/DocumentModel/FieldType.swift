/// The type of a DocType field, as Frappe names it (`"Data"`, `"Currency"`, `"Table"`…).
///
/// Known types get their own case; any other name is kept as `.other(name)` so a DocType from a
/// newer or customised Frappe still loads. An unknown type holds its value as opaque JSON.
public enum FieldType: Sendable, Hashable, CustomStringConvertible {
    // Text-like data
    case data, smallText, text, longText, textEditor, markdownEditor, htmlEditor, code
    case readOnly, password, attach, attachImage, phone, autocomplete, signature, color
    case barcode, icon
    // Numbers and flags
    case int, float, currency, percent, check, rating, duration
    // Dates and times
    case date, datetime, time
    // Choices and references
    case select, link, dynamicLink
    // Structured
    case table, tableMultiSelect, json, geolocation
    // Layout only: kept for order, carry no data
    case sectionBreak, columnBreak, tabBreak, html, button, heading, fold, image
    /// A type this version does not know; its values are kept as JSON without coercion.
    case other(String)

    private static let byName: [String: FieldType] = {
        var map: [String: FieldType] = [:]
        for type in FieldType.known { map[type.rawValue] = type }
        return map
    }()

    /// Every named case (not `.other`).
    public static let known: [FieldType] = [
        .data, .smallText, .text, .longText, .textEditor, .markdownEditor, .htmlEditor, .code,
        .readOnly, .password, .attach, .attachImage, .phone, .autocomplete, .signature, .color,
        .barcode, .icon, .int, .float, .currency, .percent, .check, .rating, .duration,
        .date, .datetime, .time, .select, .link, .dynamicLink, .table, .tableMultiSelect, .json,
        .geolocation, .sectionBreak, .columnBreak, .tabBreak, .html, .button, .heading, .fold, .image,
    ]

    /// The type Frappe calls `rawValue`; unknown names become `.other(rawValue)`.
    public init(rawValue: String) {
        self = FieldType.byName[rawValue] ?? .other(rawValue)
    }

    /// Frappe's name for the type, as written in DocType JSON.
    public var rawValue: String {
        switch self {
        case .data: "Data"
        case .smallText: "Small Text"
        case .text: "Text"
        case .longText: "Long Text"
        case .textEditor: "Text Editor"
        case .markdownEditor: "Markdown Editor"
        case .htmlEditor: "HTML Editor"
        case .code: "Code"
        case .readOnly: "Read Only"
        case .password: "Password"
        case .attach: "Attach"
        case .attachImage: "Attach Image"
        case .phone: "Phone"
        case .autocomplete: "Autocomplete"
        case .signature: "Signature"
        case .color: "Color"
        case .barcode: "Barcode"
        case .icon: "Icon"
        case .int: "Int"
        case .float: "Float"
        case .currency: "Currency"
        case .percent: "Percent"
        case .check: "Check"
        case .rating: "Rating"
        case .duration: "Duration"
        case .date: "Date"
        case .datetime: "Datetime"
        case .time: "Time"
        case .select: "Select"
        case .link: "Link"
        case .dynamicLink: "Dynamic Link"
        case .table: "Table"
        case .tableMultiSelect: "Table MultiSelect"
        case .json: "JSON"
        case .geolocation: "Geolocation"
        case .sectionBreak: "Section Break"
        case .columnBreak: "Column Break"
        case .tabBreak: "Tab Break"
        case .html: "HTML"
        case .button: "Button"
        case .heading: "Heading"
        case .fold: "Fold"
        case .image: "Image"
        case .other(let name): name
        }
    }

    public var description: String { rawValue }

    /// Layout-only types: they order the form and hold no value in a document.
    /// (`Image` shows another field's attachment, so it holds nothing either.)
    public var isLayout: Bool {
        switch self {
        case .sectionBreak, .columnBreak, .tabBreak, .html, .button, .heading, .fold, .image: true
        default: false
        }
    }

    /// Types whose value is stored in the document (everything that is not layout).
    public var isData: Bool { !isLayout }

    /// Child-table types: the value is an array of rows of the DocType named in `options`.
    public var isTable: Bool {
        switch self {
        case .table, .tableMultiSelect: true
        default: false
        }
    }

    /// Types stored as numbers (Check is a 0/1 integer, as in Frappe).
    public var isNumeric: Bool {
        switch self {
        case .int, .float, .currency, .percent, .check, .rating, .duration: true
        default: false
        }
    }

    /// Types stored as floating point (`Float`, `Currency`, `Percent`, `Rating`, `Duration`).
    public var isFloatLike: Bool {
        switch self {
        case .float, .currency, .percent, .rating, .duration: true
        default: false
        }
    }

    /// Types whose value is text (coerced from numbers when given one).
    public var isText: Bool {
        switch self {
        case .data, .smallText, .text, .longText, .textEditor, .markdownEditor, .htmlEditor, .code,
            .readOnly, .password, .attach, .attachImage, .phone, .autocomplete, .signature, .color,
            .barcode, .icon, .select, .link, .dynamicLink, .date, .datetime, .time:
            true
        default: false
        }
    }

    /// `true` for a type this version does not know.
    public var isUnknown: Bool {
        if case .other = self { return true } else { return false }
    }
}
