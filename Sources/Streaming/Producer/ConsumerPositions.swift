import EventLog
import Foundation
import Site
import SiteStreamJSON
import Synchronization

/// Where each consumer last asked the producer to read from, and when: what retention and the
/// status pages go by. Kept in `stream-positions.json` in the site directory,
/// `{"<consumer site id>": {"cursor": "1:4096", "at": <Unix seconds>, "previous": "1:2048",
/// "earlier": "1:1024"}}`.
///
/// A position is a hint the producer keeps for itself, not a promise to the consumer: it is
/// replaced atomically (temporary file, rename) but not synced, so a crash may bring back an
/// older one. An older position only makes retention keep more, never less; a consumer with no
/// position at all keeps every segment.
final class ConsumerPositions: Sendable {
    struct Position: Sendable, Equatable {
        var cursor: LogCursor
        /// When the consumer last asked for updates (Unix seconds).
        var at: Double
        /// Where the consumer's two requests before that one started. A consumer asks for the
        /// next two replies while it replays the last (`ReplyPrefetch`), so only the oldest of
        /// its last three positions is known to be applied: retention keeps what lies after it
        /// (`applied`). (Consumers before session 14 asked one reply ahead.)
        var previous: LogCursor? = nil
        var earlier: LogCursor? = nil

        /// The position a consumer has surely applied up to: the earliest of its last three.
        var applied: LogCursor { min(cursor, previous ?? cursor, earlier ?? previous ?? cursor) }
    }

    let file: URL
    /// The positions, loaded from the file on first use, and when each was last written out.
    private let state = Mutex<(positions: [String: Position], written: [String: Double])?>(nil)

    /// How often an unchanged position (a caught-up consumer polling) is written again, so
    /// `last pull` stays roughly true without a file write per poll.
    static let refreshInterval = 5.0

    init(layout: SiteLayout) {
        file = layout.root.appendingPathComponent("stream-positions.json")
    }

    func all() -> [String: Position] {
        state.withLock { state in
            if state == nil { state = (load(), [:]) }
            return state!.positions
        }
    }

    /// Records that consumer `siteID` asked for records after `cursor` at `now`.
    func note(_ siteID: String, cursor: LogCursor, now: Double = Date().timeIntervalSince1970) {
        let snapshot: [String: Position]? = state.withLock { state in
            if state == nil { state = (load(), [:]) }
            let previous = state!.positions[siteID]
            state!.positions[siteID] = Position(cursor: cursor, at: now, previous: previous?.cursor, earlier: previous?.previous)
            let lastWrite = state!.written[siteID] ?? 0
            guard previous?.cursor != cursor || now - lastWrite >= Self.refreshInterval else { return nil }
            state!.written[siteID] = now
            return state!.positions
        }
        if let snapshot { store(snapshot) }
    }

    private func load() -> [String: Position] {
        guard let data = FileManager.default.contents(atPath: file.path),
              let object = try? JSON(parsing: Array(data)).objectValue else { return [:] }
        var result: [String: Position] = [:]
        for (id, value) in object {
            guard let cursor = value["cursor"]?.stringValue.flatMap(LogCursor.init(string:)) else { continue }
            result[id] = Position(cursor: cursor, at: value["at"]?.doubleValue ?? value["at"]?.intValue.map(Double.init) ?? 0,
                                  previous: value["previous"]?.stringValue.flatMap(LogCursor.init(string:)),
                                  earlier: value["earlier"]?.stringValue.flatMap(LogCursor.init(string:)))
        }
        return result
    }

    private func store(_ positions: [String: Position]) {
        var o = JSONObject()
        for id in positions.keys.sorted() {
            var position: JSONObject = ["cursor": .string(positions[id]!.cursor.description), "at": .double(positions[id]!.at)]
            if let previous = positions[id]!.previous { position["previous"] = .string(previous.description) }
            if let earlier = positions[id]!.earlier { position["earlier"] = .string(earlier.description) }
            o[id] = .object(position)
        }
        // A lost write only makes retention keep more (see the type's comment).
        try? Data(JSON.object(o).serialized(pretty: true)).write(to: file, options: .atomic)
    }
}
