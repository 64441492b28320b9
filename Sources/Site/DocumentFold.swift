import DocumentModel
import EventLog
import SiteStreamJSON
import SnapshotStore

/// Folding a log record into a document: the one definition both the live write path and a
/// rebuild from the log use, so a rebuilt store equals the live one byte for byte.
enum DocumentFold {
    /// `old` with `diff` applied and the standard columns of the new version set.
    static func applyUpdate(_ diff: DocumentDiff, to old: Document, modified: String, modifiedBy: String) throws -> Document {
        var document: Document
        do {
            document = try diff.apply(to: old)
        } catch {
            throw SiteError(.corruptSiteFile, "cannot fold an update into \(old.doctype) \(old.name ?? "?"): \(error)",
                            doctype: old.doctype, docname: old.name)
        }
        document.object["modified"] = .string(modified)
        document.object["modified_by"] = .string(modifiedBy)
        return document
    }

    /// The state of the document `record` is about after it: a document, or nil when deleted.
    /// `current` is the state before it (nil when the document does not exist).
    static func fold(_ record: LogRecord, into current: Document?) throws -> Document? {
        // Built only for an error: formatting it for every entry cost a rebuild ~4 % of its folding thread.
        var place: String { "log entry \(record.sequence) (\(record.updateType) \(record.doctype) \(record.docname))" }
        switch record.updateType {
        case .create:
            let json: JSON
            do { json = try JSON(parsing: record.payload) } catch {
                throw SiteError(.corruptSiteFile, "\(place): payload is not JSON: \(error)")
            }
            guard let document = Document(json: json) else {
                throw SiteError(.corruptSiteFile, "\(place): payload is not a document")
            }
            return document
        case .update, .cancel:
            guard let current else {
                throw SiteError(.corruptSiteFile, "\(place): the document does not exist before this update")
            }
            let diff: DocumentDiff
            do { diff = try DocumentDiff(json: try JSON(parsing: record.payload)) } catch {
                throw SiteError(.corruptSiteFile, "\(place): payload is not a diff: \(error)")
            }
            let annotations = try EntryAnnotations(decoding: record.annotations)
            return try applyUpdate(diff, to: current,
                                   modified: annotations.modified ?? current.modified ?? "",
                                   modifiedBy: annotations.modifiedBy ?? "")
        case .delete:
            return nil
        }
    }
}
