import DocumentModel
import SiteStreamJSON
import SnapshotStore

/// The secondary-index entries the snapshot store keeps for a document, so link checks,
/// unique fields, delete checks and replicated-name lookups never scan a DocType.
enum IndexTerms {
    /// `linkto` = "TargetDocType\0target name": this document links to that one.
    static let linkTo = "linkto"

    static func uniqueIndex(doctype: String, field: String) -> String { "unique:\(doctype).\(field)" }
    static func remoteIndex(doctype: String) -> String { "remote:\(doctype)" }
    /// Built by appending, not by interpolation: a write makes one per distinct link.
    static func linkValue(doctype: String, name: String) -> String {
        var value = doctype
        let count = doctype.utf8.count + 1 + name.utf8.count
        // A short value stays held inside the `String` (no allocation at all).
        if count > 15 { value.reserveCapacity(count) }
        value.append("\u{0}")
        value.append(name)
        return value
    }
    static func remoteValue(site: String, docname: String) -> String { "\(site)\u{0}\(docname)" }

    /// `distinctLinks`: the document's links, each target once in first-seen order, when the
    /// caller has them already (the lifecycle's link check returns them), so rows are walked
    /// and targets told apart once per write.
    static func terms(for document: Document, doctype: DocType, schema: Schema, distinctLinks: [Link]? = nil) -> [IndexTerm] {
        var terms: [IndexTerm] = []
        if let distinctLinks {
            terms.reserveCapacity(distinctLinks.count + 2)
            for link in distinctLinks {
                terms.append(IndexTerm(index: linkTo, value: linkValue(doctype: link.doctype, name: link.name)))
            }
        } else {
            collectLinks(links(of: document.object, doctype: doctype, schema: schema), into: &terms)
        }
        for position in doctype.uniqueFieldIndices {
            let field = doctype.fields[position]
            if let text = scalarText(document.object[field.fieldname]), !text.isEmpty {
                terms.append(IndexTerm(index: uniqueIndex(doctype: doctype.name, field: field.fieldname), value: text))
            }
        }
        if let site = document.object["remote_site_name"]?.stringValue, !site.isEmpty,
           let remote = document.object["remote_docname"]?.stringValue, !remote.isEmpty {
            terms.append(IndexTerm(index: remoteIndex(doctype: doctype.name), value: remoteValue(site: site, docname: remote)))
        }
        return terms
    }

    /// One Link or Dynamic Link value: the target, and where it sits (`table` is the child
    /// table for a value in a row). The place is kept in parts and joined only for messages,
    /// since this runs for every row of every write.
    struct Link {
        var doctype: String
        var name: String
        var table: String?
        var field: String
        /// The field's number among every linking field the document and its tables have, the
        /// same in every row of a table (0 upwards, dense): lets a caller compare a value with
        /// those the same field held in earlier rows without hashing it.
        var slot: Int

        var place: String { table.map { "\($0).\(field)" } ?? field }
    }

    /// Every (target DocType, name) that `object` (and its rows) links to, in field order.
    static func links(of object: JSONObject, doctype: DocType, schema: Schema) -> [Link] {
        linksAndSlots(of: object, doctype: doctype, schema: schema).links
    }

    /// `links(of:…)`, and how many slots (`Link.slot`) they may use.
    static func linksAndSlots(of object: JSONObject, doctype: DocType, schema: Schema) -> (links: [Link], slots: Int) {
        var found: [Link] = []
        found.reserveCapacity(16)
        var slots = doctype.linkingPlan.count
        collect(object, doctype: doctype, schema: schema, table: nil, slotBase: 0, slots: &slots, into: &found)
        return (found, slots)
    }

    /// Slots: the document's fields take `0..<linkingPlan.count`; each table's rows, the next
    /// `child.linkingPlan.count` after those given out so far.
    private static func collect(_ object: JSONObject, doctype: DocType, schema: Schema, table: String?, slotBase: Int,
                                slots: inout Int, into found: inout [Link]) {
        collect(object, doctype: doctype, plan: doctype.linkingPlan, schema: schema, table: table, slotBase: slotBase, slots: &slots, into: &found)
    }

    /// `plan` is `doctype.linkingPlan`, taken out once per table by the caller: reading it
    /// through the DocType for every row retained and released an array every writer thread
    /// shares.
    private static func collect(_ object: JSONObject, doctype: DocType, plan: [LinkingField], schema: Schema, table: String?, slotBase: Int,
                                slots: inout Int, into found: inout [Link]) {
        for (i, field) in plan.enumerated() {
            switch field.kind {
            case .link(let target):
                guard let value = object[field.fieldname]?.stringValue, !value.isEmpty else { continue }
                found.append(Link(doctype: target, name: value, table: table, field: field.fieldname, slot: slotBase + i))
            case .dynamicLink(let typeField):
                guard let target = object[typeField]?.stringValue, !target.isEmpty,
                      target != "DocType", let value = object[field.fieldname]?.stringValue, !value.isEmpty else { continue }
                found.append(Link(doctype: target, name: value, table: table, field: field.fieldname, slot: slotBase + i))
            case .table(let position):
                guard table == nil, case .array(let rows)? = object[field.fieldname],
                      let child = schema.childDocType(of: doctype.fields[position]) else { continue }
                // A row links to about as many documents as its DocType has link fields.
                found.reserveCapacity(found.count + rows.count * child.linkingPlan.count)
                let rowBase = slots
                let childPlan = child.linkingPlan
                slots += childPlan.count
                for row in rows {
                    if case .object(let r) = row {
                        collect(r, doctype: child, plan: childPlan, schema: schema, table: field.fieldname, slotBase: rowBase, slots: &slots,
                                into: &found)
                    }
                }
            case .inert:
                continue
            }
        }
    }

    private static func collectLinks(_ links: [Link], into terms: inout [IndexTerm]) {
        // Most documents link to a handful of others: comparing with the few values so far is
        // cheaper than hashing every value into a set (a rebuild does this a million times).
        guard links.count > 16 else {
            let start = terms.count
            for link in links {
                let value = linkValue(doctype: link.doctype, name: link.name)
                if !terms[start...].contains(where: { $0.value == value }) {
                    terms.append(IndexTerm(index: linkTo, value: value))
                }
            }
            return
        }
        var seen = Set<String>()
        for link in links {
            let value = linkValue(doctype: link.doctype, name: link.name)
            if seen.insert(value).inserted {
                terms.append(IndexTerm(index: linkTo, value: value))
            }
        }
    }

    static func scalarText(_ value: JSON?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .double(let d)?: return String(d)
        default: return nil
        }
    }
}
