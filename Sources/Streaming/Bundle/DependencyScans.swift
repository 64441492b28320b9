import DocumentModel
import EventLog
import Site
import SiteStreamJSON

/// What an export needs of a Create to find its dependencies: the fields links live in (Link
/// and Dynamic Link fields with their DocType fields, child tables), scanned out of the
/// record's payload (`JSONFieldScan`) instead of parsing the whole document, one scan per
/// DocType made on first use. `Site.linkTargets` reads only those fields, so it finds the same
/// links in what this returns as in the whole document.
///
/// A backlog's Creates often link to the same few documents (one Customer Group, one
/// Territory): when a Create's linking fields hold byte for byte what the previous Create of
/// its DocType held, its links are the ones just noted and it is passed over unparsed.
struct DependencyScans {
    let site: Site
    /// Per DocType, its scan, nil for a DocType this site does not know (it has no links), and
    /// the linking fields' bytes of its last Create scanned. Found by name through
    /// `positions`, or without hashing when it is the DocType of the Create before (`recent`).
    /// Two arrays, not one of pairs: reading one from an array of optional pairs copied (and
    /// retained) the whole pair, per Create.
    private var scans: [JSONFieldScan?] = []
    private var lasts: [[UInt8]] = []
    private var positions: [String: Int] = [:]
    private var recent: (doctype: String, position: Int)?
    /// Buffers `linkingFields` fills for each Create, kept between calls: two allocations
    /// per Create were a good part of the scan's cost.
    private var scratch = (linking: [UInt8](), values: [(Int, Range<Int>)]())

    init(site: Site) { self.site = site }

    /// Where `doctype`'s entries are in `scans` and `lasts`, made on first use.
    private mutating func position(of doctype: String) -> Int {
        if let recent, recent.doctype == doctype { return recent.position }
        let position = positions[doctype] ?? {
            scans.append(site.schema[doctype].map { JSONFieldScan(["doctype"] + Self.linkingFieldNames($0)) })
            lasts.append([])
            positions[doctype] = scans.count - 1
            return scans.count - 1
        }()
        recent = (doctype, position)
        return position
    }

    /// The document the verified Create `frame` of `doctype` creates, as far as its links go;
    /// nil when it has no links to follow that the previous Create of its DocType (whose links
    /// the caller followed) did not have: an unknown DocType, the same linking fields, a
    /// payload that is not an object.
    mutating func linkingFields(of frame: ArraySlice<UInt8>, doctype: String) throws -> Document? {
        let position = position(of: doctype)
        guard let scan = scans[position] else { return nil }
        // The scratch buffers, owned here for the call (swapped out, so appending to them
        // neither copies nor allocates once they have grown).
        var linking: [UInt8] = []
        var values: [(Int, Range<Int>)] = []
        swap(&linking, &scratch.linking)
        swap(&values, &scratch.values)
        linking.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        defer {
            swap(&linking, &scratch.linking)
            swap(&values, &scratch.values)
        }
        let scanned: (same: Bool, document: Document?)? = frame.withUnsafeBytes { raw in
            guard let payload = FramePeek.storedPayload(raw) else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: raw[payload])
            guard scan.members(bytes, { field, value in
                // Each member as its field's number, its length and its bytes.
                linking.appendU32(UInt32(field))
                linking.appendU32(UInt32(value.count))
                linking.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[value]))
                values.append((field, value))
            }) else { return nil }
            if linking == lasts[position] { return (true, nil) }
            var object = JSONObject()
            for (field, value) in values {
                guard let json = try? JSON.parse(UnsafeRawBufferPointer(rebasing: bytes[value])) else { return nil }
                object[scan.fields[field].name] = json
            }
            guard object["doctype"]?.stringValue == doctype else { return nil }
            // The new linking bytes become the DocType's last; its old buffer the scratch.
            swap(&linking, &lasts[position])
            return (false, Document(object))
        }
        if let scanned { return scanned.document }
        // Deflated (large) payloads, and anything the scan leaves to a whole parse.
        let record = try RecordFrame.decode(Array(frame)).record
        return (try? JSON(parsing: record.payload)).flatMap(Document.init(json:))
    }

    /// The top-level fields `IndexTerms.links` reads for `doctype`: every linking field, and
    /// the field a Dynamic Link names its DocType in.
    static func linkingFieldNames(_ doctype: DocType) -> [String] {
        var names: [String] = []
        for position in doctype.linkingFieldIndices {
            let field = doctype.fields[position]
            names.append(field.fieldname)
            if field.fieldtype == .dynamicLink, let typeField = field.options { names.append(typeField) }
        }
        return names
    }
}
