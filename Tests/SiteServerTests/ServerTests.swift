import Testing
@testable import SiteServer
