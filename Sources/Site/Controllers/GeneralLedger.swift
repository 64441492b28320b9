import DocumentModel
import SiteStreamJSON
import SnapshotStore

/// Posting, reversing and removing the `GL Entry` documents of a voucher (a submitted Sales
/// Invoice), as ERPNext's general ledger does it:
/// - on submit, one entry per account (debits and credits in whole cents, so they balance);
/// - on cancel, the originals are marked `is_cancelled = 1` and a reversing entry (debit and
///   credit swapped, also `is_cancelled = 1`) is posted for each, so the ledger nets to zero
///   for the voucher while keeping its history;
/// - when a cancelled voucher is deleted, its entries (originals and reversals) go with it.
///
/// Entries are found through the store's `linkto` index (`voucher_no` is a Dynamic Link), so no
/// DocType is scanned. Everything runs inside the voucher's transaction: the entries are in the
/// same log append as the change that caused them.
enum GeneralLedger {
    static let doctype = "GL Entry"

    /// One line of a posting: an account debited or credited, in cents.
    struct Posting: Equatable {
        var account: String
        var debitCents: Int64
        var creditCents: Int64
        var partyType: String?
        var party: String?
        var against: String
    }

    /// Inserts one GL Entry per posting for `voucher`. Refuses postings that do not balance.
    static func post(_ postings: [Posting], voucher: Document, postingDate: JSON, currency: JSON,
                     in transaction: SiteTransaction) throws {
        let debit = postings.reduce(Int64(0)) { $0 + $1.debitCents }
        let credit = postings.reduce(Int64(0)) { $0 + $1.creditCents }
        guard debit == credit else {
            throw SiteError(.validation, "\(voucher.doctype) \(voucher.name ?? ""): ledger postings do not balance (debit \(Money.amount(cents: debit)), credit \(Money.amount(cents: credit)))",
                            doctype: voucher.doctype, docname: voucher.name)
        }
        for posting in postings {
            var o = JSONObject(minimumCapacity: 14)
            o.appendUnchecked(key: "doctype", value: .string(doctype))
            o.appendUnchecked(key: "posting_date", value: postingDate)
            o.appendUnchecked(key: "account", value: .string(posting.account))
            o.appendUnchecked(key: "party_type", value: posting.partyType.map(JSON.string) ?? .null)
            o.appendUnchecked(key: "party", value: posting.party.map(JSON.string) ?? .null)
            o.appendUnchecked(key: "debit", value: .double(Money.amount(cents: posting.debitCents)))
            o.appendUnchecked(key: "credit", value: .double(Money.amount(cents: posting.creditCents)))
            o.appendUnchecked(key: "account_currency", value: currency)
            o.appendUnchecked(key: "against", value: .string(posting.against))
            o.appendUnchecked(key: "voucher_type", value: .string(voucher.doctype))
            o.appendUnchecked(key: "voucher_no", value: .string(voucher.name ?? ""))
            o.appendUnchecked(key: "is_opening", value: "No")
            o.appendUnchecked(key: "is_cancelled", value: .int(0))
            o.appendUnchecked(key: "remarks", value: voucher.object["remarks"] ?? .null)
            try transaction.insert(Document(o))
        }
    }

    /// The GL Entries of `voucherType` `voucherNo` (pending ones of this transaction
    /// included), in name order.
    static func entries(voucherType: String, voucherNo: String, in transaction: SiteTransaction) throws -> [Document] {
        let term = IndexTerm(index: IndexTerms.linkTo, value: IndexTerms.linkValue(doctype: voucherType, name: voucherNo))
        let keys = transaction.keys(matching: term).filter { $0.doctype == doctype }.sorted { $0.name < $1.name }
        return try keys.compactMap { key in
            guard let entry = try transaction.get(key.doctype, key.name) else { return nil }
            guard entry["voucher_type"]?.stringValue == voucherType, entry["voucher_no"]?.stringValue == voucherNo else { return nil }
            return entry
        }
    }

    /// Marks the voucher's live entries cancelled and posts a reversing entry for each.
    static func reverse(voucher: Document, in transaction: SiteTransaction) throws {
        let name = voucher.name ?? ""
        let live = try entries(voucherType: voucher.doctype, voucherNo: name, in: transaction)
            .filter { Money.number($0["is_cancelled"]) == 0 }
        for entry in live {
            try transaction.update(doctype, entry.name ?? "", with: ["is_cancelled": 1])
            var reversal = JSONObject(minimumCapacity: entry.object.count)
            for (key, value) in entry.object where !StandardColumns.isStandard(key) || key == "doctype" {
                reversal[key] = value
            }
            reversal["debit"] = entry["credit"] ?? .double(0)
            reversal["credit"] = entry["debit"] ?? .double(0)
            reversal["is_cancelled"] = 1
            reversal["remarks"] = .string("On cancellation of \(name)")
            try transaction.insert(Document(reversal))
        }
    }

    /// Deletes every entry of the voucher (originals and reversals).
    static func remove(voucher: Document, in transaction: SiteTransaction) throws {
        for entry in try entries(voucherType: voucher.doctype, voucherNo: voucher.name ?? "", in: transaction) {
            try transaction.delete(doctype, entry.name ?? "")
        }
    }
}
