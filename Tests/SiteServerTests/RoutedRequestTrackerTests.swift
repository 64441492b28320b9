import Hummingbird
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import SiteServer

/// `RoutedRequestTracker` on an embedded channel with virtual time: the replies it counts for
/// the shortcut, and the idle timeout it keeps for the whole connection, reads answered ahead
/// of the decoder included.
@Suite("The connection's idle timeout and routed replies")
struct RoutedRequestTrackerTests {
    static let idle = TimeAmount.seconds(10)

    struct Harness {
        let channel = EmbeddedChannel()
        let activity = ConnectionActivity()
        var loop: EmbeddedEventLoop { channel.embeddedEventLoop }

        init() throws {
            try channel.pipeline.syncOperations.addHandler(RoutedRequestTracker(activity: activity, idleTimeout: RoutedRequestTrackerTests.idle))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8000)).wait()
        }

        func request() throws {
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/x")))
            try channel.writeInbound(HTTPRequestPart.end(nil))
        }

        func reply() throws {
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }

        /// A read answered by the shortcut, as it notes one.
        func directAnswer() {
            activity.lastActive = loop.now
        }
    }

    @Test func anIdleConnectionIsClosedAfterTheTimeout() throws {
        let h = try Harness()
        h.loop.advanceTime(by: Self.idle - .seconds(1))
        #expect(h.channel.isActive)
        h.loop.advanceTime(by: .seconds(1))
        #expect(!h.channel.isActive)
    }

    @Test func readsAnsweredAheadOfTheDecoderKeepTheConnectionOpen() throws {
        let h = try Harness()
        for _ in 0..<5 {
            h.loop.advanceTime(by: .seconds(6))
            h.directAnswer()
        }
        #expect(h.channel.isActive)
        h.loop.advanceTime(by: Self.idle)
        #expect(!h.channel.isActive)
    }

    @Test func aRequestWhoseReplyIsBeingMadeIsNotCutOff() throws {
        let h = try Harness()
        try h.request()
        h.loop.advanceTime(by: Self.idle * 3)
        #expect(h.channel.isActive)
        try h.reply()
        h.loop.advanceTime(by: Self.idle - .seconds(1))
        #expect(h.channel.isActive)
        h.loop.advanceTime(by: .seconds(1))
        #expect(!h.channel.isActive)
    }

    @Test func repliesAreCountedForTheShortcut() throws {
        let h = try Harness()
        h.activity.handedOn = 2
        try h.request()
        try h.request()
        #expect(!h.activity.nothingRouted)
        try h.reply()
        #expect(!h.activity.nothingRouted)
        try h.reply()
        #expect(h.activity.nothingRouted)
    }

    @Test func anErrorOrACloseBehindTheShortcutEndsItsAnswers() throws {
        let h = try Harness()
        h.channel.pipeline.fireErrorCaught(ChannelError.ioOnClosedChannel)
        #expect(h.activity.failed)
        let other = try Harness()
        _ = try? other.channel.close().wait()
        #expect(other.activity.failed)
    }
}
