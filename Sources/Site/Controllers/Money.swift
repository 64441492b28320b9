import DocumentModel
import Foundation
import SiteStreamJSON

/// Numbers as Frappe's controllers read and round them (`flt`).
///
/// Controller hooks run before the schema coerces values (as in Frappe, so a hook can fill a
/// computed mandatory field), so they read numbers tolerantly: a JSON number, or text that
/// parses as one; anything else reads as 0 and is left for the schema to refuse.
enum Money {
    /// Currency fields are kept to 2 decimals, Frappe's default currency precision.
    static let currencyPlaces = 2
    /// Float fields (quantities) are kept to 3 decimals, Frappe's default float precision.
    static let floatPlaces = 3

    /// The value as a number, tolerating text; 0 when missing or not a number.
    static func number(_ value: JSON?) -> Double {
        switch value {
        case .double(let d)?: return d.isFinite ? d : 0
        case .int(let i)?: return Double(i)
        case .string(let s)?: return Double(s.trimmingCharacters(in: .whitespaces)) ?? 0
        case .bool(let b)?: return b ? 1 : 0
        default: return 0
        }
    }

    private static let powers: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    /// `value` rounded to `places` decimals as Frappe's default rounding method ("Banker's
    /// Rounding (legacy)") does: the scaled value is first snapped to 8 decimals, so float
    /// noise cannot decide (3 × 0.725 is 2.17499… in binary, yet rounds to 2.18); an exact half
    /// then rounds up when `places` > 0 (0.125 → 0.13) and to the even neighbour when
    /// `places` is 0 (0.5 → 0, 1.5 → 2).
    static func rounded(_ value: Double, places: Int) -> Double {
        guard value.isFinite else { return 0 }
        let factor = powers[min(max(places, 0), powers.count - 1)]
        var scaled = value * factor
        // Snapping needs 1e-8 steps to be representable at this magnitude; beyond it the
        // binary value is already as exact as it gets.
        if abs(scaled) < 1e7 { scaled = (scaled * 1e8).rounded() / 1e8 }
        let floor = scaled.rounded(.down)
        let whole: Double
        if scaled - floor == 0.5 {
            whole = places > 0 || floor.truncatingRemainder(dividingBy: 2) != 0 ? floor + 1 : floor
        } else {
            whole = scaled.rounded()
        }
        let result = whole / factor
        return result == 0 ? 0 : result  // no negative zero in documents
    }

    /// A currency amount as whole cents, for sums that must balance exactly.
    static func cents(_ value: Double) -> Int64 {
        Int64((rounded(value, places: currencyPlaces) * 100).rounded())
    }

    static func amount(cents: Int64) -> Double {
        let value = Double(cents) / 100
        return value == 0 ? 0 : value
    }
}

extension Document {
    /// Sets `field` to `value` unless it already holds that number, so a document whose values
    /// are already right is not copied or changed.
    mutating func setNumber(_ field: String, _ value: Double) {
        if case .double(let d)? = object[field], d == value { return }
        if case .int(let i)? = object[field], Double(i) == value { return }
        object[field] = .double(value)
    }

    mutating func setText(_ field: String, _ value: String) {
        if object[field]?.stringValue == value { return }
        object[field] = .string(value)
    }
}
