import SiteStreamJSON

/// Where the server listens and the limits it enforces on requests.
///
/// ```swift
/// var configuration = SiteServerConfiguration()
/// configuration.port = 0                   // any free port; learn it from onServerRunning
/// configuration.maxBodyBytes = 1 << 20
/// ```
public struct SiteServerConfiguration: Sendable {
    /// Address to bind; loopback unless the operator says otherwise.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks any free port.
    public var port: Int = 8000
    /// Largest request body; larger ones get 413 before anything is done.
    public var maxBodyBytes: Int = 16 << 20
    /// Deepest JSON nesting accepted in bodies and arguments (documents nest 3–4 levels).
    public var maxJSONDepth: Int = 64
    /// Most documents one list request returns, whatever `limit_page_length` asks (0 asks for
    /// everything up to this cap).
    public var maxPageLength: Int = 1_000
    /// How long a request body may take to arrive once its headers have; 408 after that.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// How long a keep-alive connection may sit idle before the server closes it.
    public var idleTimeout: Duration = .seconds(75)
    /// Sent in the `Server` header.
    public var serverName: String = "SiteStream"

    public init() {}

    /// The request limits routes apply, derived from this configuration.
    var limits: ServerLimits {
        ServerLimits(
            maxBodyBytes: maxBodyBytes,
            json: JSONLimits(maxDepth: maxJSONDepth, maxBytes: maxBodyBytes),
            maxPageLength: maxPageLength,
            bodyReadTimeout: bodyReadTimeout)
    }
}

/// The limits request handling checks, in one value routes carry.
struct ServerLimits: Sendable {
    var maxBodyBytes: Int
    var json: JSONLimits
    var maxPageLength: Int
    var bodyReadTimeout: Duration
}
