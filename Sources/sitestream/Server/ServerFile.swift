import Foundation
import Site
import SiteStreamJSON

/// `server.json` in a served site's directory: where the server listens and the local
/// administrator credential the command line uses to go through it. Written with mode 0600
/// (readable by the owner only) when the server starts listening, removed when it stops.
struct ServerFile: Sendable, Equatable {
    var url: String
    var pid: Int32
    var apiKey: String
    var apiSecret: String

    static func path(_ layout: SiteLayout) -> String { layout.root.appendingPathComponent("server.json").path }

    func write(to layout: SiteLayout) throws {
        let json: JSON = ["url": .string(url), "pid": .int(Int64(pid)), "api_key": .string(apiKey), "api_secret": .string(apiSecret)]
        let path = Self.path(layout)
        let temp = path + ".tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data(json.serialized(pretty: true)), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(temp): \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    static func remove(from layout: SiteLayout) {
        unlink(path(layout))
    }

    /// The file of a server that is still running, or nil (no file, or its process is gone).
    static func live(_ layout: SiteLayout) -> ServerFile? {
        guard let data = FileManager.default.contents(atPath: path(layout)),
              let json = try? JSON(parsing: [UInt8](data)),
              let url = json["url"]?.stringValue, let pid = json["pid"]?.intValue,
              let key = json["api_key"]?.stringValue, let secret = json["api_secret"]?.stringValue
        else { return nil }
        guard kill(Int32(pid), 0) == 0 || errno == EPERM else { return nil }
        return ServerFile(url: url, pid: Int32(pid), apiKey: key, apiSecret: secret)
    }
}
