import DocumentModel
import EventLog
import SiteStreamJSON

/// A record's payload parsed ahead of its replay: a Create's document or an Update's (or
/// Cancel's) diff.
///
/// Why: parsing is a pure function of the verified record, so the pull does it in the task
/// that fetches and verifies the next reply, on the other core, while the current reply is
/// replayed; the replay, which must run in order under the site's writer, then only folds.
/// `none` when there is nothing to parse (a Delete) or the payload does not parse; the replay
/// parses such a record itself, so its error is reported exactly as before.
enum ParsedPayload: Sendable {
    case none
    case document(Document)
    case diff(DocumentDiff)

    init(_ record: LogRecord) {
        switch record.updateType {
        case .create:
            if let json = try? JSON(parsing: record.payload), let document = Document(json: json) {
                self = .document(document)
            } else {
                self = .none
            }
        case .update, .cancel:
            if let json = try? JSON(parsing: record.payload), let diff = try? DocumentDiff(json: json) {
                self = .diff(diff)
            } else {
                self = .none
            }
        case .delete:
            self = .none
        }
    }

    /// `record`'s document: the one parsed ahead, or parsed now (nil when it is no document,
    /// as `Document(json:)`; throws when it is not JSON).
    func document(of record: LogRecord) throws -> Document? {
        if case .document(let document) = self { return document }
        return Document(json: try JSON(parsing: record.payload))
    }

    /// `record`'s diff: the one parsed ahead, or parsed now (throws as `DocumentDiff(json:)`).
    func diff(of record: LogRecord) throws -> DocumentDiff {
        if case .diff(let diff) = self { return diff }
        return try DocumentDiff(json: try JSON(parsing: record.payload))
    }
}
