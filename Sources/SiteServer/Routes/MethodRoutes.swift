import Hummingbird
import SiteStreamJSON

/// Frappe's method API: `/api/method/{method}` and the older form `/` with `cmd={method}`,
/// either as GET with a query string or as POST with a form or JSON body (arguments from
/// the query string and the body are merged, the body's winning). Replies `{"message": …}`.
///
/// Methods that write must come as POST or PUT: a GET that would write is refused with 405
/// and does nothing. `ping` answers without credentials.
extension SiteServer {
    func addMethodRoutes(to router: Router<SiteRequestContext>) {
        let limits = configuration.limits
        let methods = ClientMethods(backend: backend, limits: limits)

        let handler: @Sendable (Request, SiteRequestContext) async throws -> Response = { request, context in
            let input = try await RequestInput.read(request, limits: limits)
            var args = try input.arguments()
            let method: String
            if let raw = context.parameters.get("method") {
                guard let decoded = FormEncoding.percentDecode(Substring(raw), plusIsSpace: false) else {
                    throw BackendError.malformed(message: "the method name in the path has bad percent-encoding")
                }
                method = decoded
            } else {
                guard let cmd = args["cmd"]?.stringValue, !cmd.isEmpty else {
                    throw BackendError.malformed(message: "missing \"cmd\": call /api/method/<method> or / with cmd=<method>")
                }
                method = cmd
            }
            args.removeValue(forKey: "cmd")
            if method == "ping" { return JSONReply.message("pong") }
            let user = try context.requireUser()
            if ClientMethods.writeMethods.contains(method) && request.method != .post && request.method != .put {
                throw BackendError.methodNotAllowed(message: "\(method) changes the site: call it with POST, not \(request.method)")
            }
            return JSONReply.message(try await methods.call(method, arguments: args, user: user))
        }

        for method in [HTTPRequest.Method.get, .post, .put] {
            router.on("/api/method/:method", method: method, use: handler)
            router.on("/", method: method, use: handler)
        }
    }
}
