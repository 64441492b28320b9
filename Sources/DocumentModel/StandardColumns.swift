/// The columns every document has that are not fields of its DocType.
///
/// A document may carry them (and any key starting with `__`) without the DocType declaring
/// them; diffs never compare them (the parent's `docstatus` aside).
public enum StandardColumns {
    /// Columns of every document and row.
    public static let all: Set<String> = [
        "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx",
        "parent", "parentfield", "parenttype", "doctype",
        "_user_tags", "_comments", "_assign", "_liked_by", "amended_from",
        // Set on a replicated document the consumer named itself: the producer's site name and
        // its name there (Frappe's event streaming adds them as fields; here every DocType has them).
        "remote_site_name", "remote_docname",
    ]

    /// The columns Frappe keeps on every table row, which a DocType cannot use as data
    /// (a diff never compares them even if a DocType redeclares one, as ToDo does `owner`).
    public static let core: Set<String> = [
        "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx",
        "parent", "parentfield", "parenttype", "doctype",
    ]

    /// `core` as an array, for `isCoreColumnByBits`.
    static let coreList = Array(core)

    /// True when `key` has the very bits of a `core` column name. Those names are short enough
    /// to be held inside the `String` value itself, so a key spelled like one has its bits: a
    /// match without hashing. False says nothing (a key made some other way may still be one).
    @inline(__always)
    static func isCoreColumnByBits(_ key: String) -> Bool {
        guard MemoryLayout<String>.size == 16 else { return false }
        let wanted = unsafeBitCast(key, to: (UInt64, UInt64).self)
        for name in coreList {
            let bits = unsafeBitCast(name, to: (UInt64, UInt64).self)
            if bits.0 == wanted.0 && bits.1 == wanted.1 { return true }
        }
        return false
    }

    /// The parent link columns of a child row.
    public static let rowParentColumns: [String] = ["parent", "parentfield", "parenttype"]

    /// `true` for a standard column name or a `__`-prefixed transient key.
    @inline(__always)
    public static func isStandard(_ key: String) -> Bool {
        all.contains(key) || key.hasPrefix("__")
    }
}
