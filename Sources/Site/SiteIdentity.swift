import Foundation
import SiteStreamJSON

/// Who a site is: a stable id (never a URL, so http/https or host-name changes cannot break a
/// stream), a name people use, and the URL other sites reach it at.
public struct SiteIdentity: Sendable, Equatable {
    /// A random UUID, lowercased, fixed at `init`.
    public var id: String
    public var name: String
    public var url: String?
    public var settings: SiteSettings

    public init(id: String = UUID().uuidString.lowercased(), name: String, url: String?, settings: SiteSettings = .init()) {
        self.id = id
        self.name = name
        self.url = url
        self.settings = settings
    }

    public var json: JSON {
        var o = JSONObject()
        o["format"] = 1
        o["id"] = .string(id)
        o["name"] = .string(name)
        o["url"] = url.map(JSON.string) ?? .null
        o["settings"] = settings.json
        return .object(o)
    }

    public init(json: JSON, file: String) throws {
        func fail(_ message: String) -> SiteError {
            SiteError(.corruptSiteFile, "\(file): \(message)")
        }
        guard let o = json.objectValue else { throw fail("expected a JSON object") }
        guard o["format"]?.intValue == 1 else { throw fail("unsupported format \(o["format"].map { String(describing: $0) } ?? "missing"); this build reads format 1") }
        guard let id = o["id"]?.stringValue, !id.isEmpty else { throw fail("missing 'id'") }
        guard let name = o["name"]?.stringValue, !name.isEmpty else { throw fail("missing 'name'") }
        self.id = id
        self.name = name
        self.url = o["url"]?.stringValue
        self.settings = try SiteSettings(json: o["settings"] ?? [:], file: file)
    }
}
