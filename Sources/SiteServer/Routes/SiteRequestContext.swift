import Hummingbird

/// The per-request context of the SiteStream server: Hummingbird's core storage plus the
/// user the request's credentials belong to (set by `AuthenticationMiddleware`).
public struct SiteRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `nil` until authenticated; every route but `ping` runs only with a user.
    public var user: SiteUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
    }

    /// The authenticated user; routes behind `AuthenticationMiddleware` always have one.
    func requireUser() throws -> SiteUser {
        guard let user else { throw BackendError.authentication(message: "not authenticated") }
        return user
    }
}
