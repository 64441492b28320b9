import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs an HTTP application until `stop()` (or one of `signals`) asks it to shut down
/// gracefully: it stops accepting, lets requests in flight finish and closes idle connections.
///
/// Servers are stopped this way, never by cancelling the task that runs them: cancelling a
/// Hummingbird server while a connection is still open makes NIO trap ("Deinited
/// NIOAsyncWriter without calling finish()", a known upstream problem), which took down a test
/// run this session. `stop()` before `run(_:)` is remembered: the server then stops at once.
public final class GracefulServer: Sendable {
    private struct State {
        var group: ServiceGroup?
        var stopRequested = false
    }

    private let state = Mutex(State())

    public init() {}

    public func run(_ application: some ApplicationProtocol, signals: [UnixSignal] = [], logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: signals, logger: logger))
        let stopAtOnce = state.withLock { state in
            state.group = group
            return state.stopRequested
        }
        if stopAtOnce { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    public func stop() async {
        let group = state.withLock { state in
            state.stopRequested = true
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }
}
