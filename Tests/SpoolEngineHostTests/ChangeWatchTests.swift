import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SpoolCore
import SpoolProtocol
import XCTest

@testable import SpoolEngineHost

/// What the D-Bus control plane waits on between publications: a watcher is
/// told of the engine's next change, and an idle engine tells it nothing.
final class ChangeWatchTests: XCTestCase {
    private let loop = EmbeddedEventLoop()
    // At the embedded loop's time, so that the engine's timer fires as the loop advances.
    private let clock = ManualClock(now: 0)

    private func makeHost() -> LoopEngine {
        LoopEngine(
            engine: Engine(clock: clock, store: MemoryStore()),
            configuration: HostConfiguration(maxJobSize: 100), eventLoop: loop, logger: Logger(label: "test"))
    }

    /// Watches once: whether the promise was completed, and with a failure.
    private func watch(_ host: LoopEngine) -> (fulfilled: () -> Bool, promise: EventLoopPromise<Void>) {
        let promise = loop.makePromise(of: Void.self)
        let fulfilled = NIOLockedValueBox(false)
        promise.futureResult.whenSuccess { fulfilled.withLockedValue { $0 = true } }
        host.whenChanged(promise)
        return ({ fulfilled.withLockedValue { $0 } }, promise)
    }

    func testAWatcherWaitsForTheNextCommandAndNotBefore() throws {
        let host = makeHost()
        let first = watch(host)
        XCTAssertTrue(first.fulfilled(), "the first watch returns at once: nothing was published yet")
        let second = watch(host)
        loop.run()
        XCTAssertFalse(second.fulfilled(), "an idle engine tells its watcher nothing")
        let session = host.openSession(delegate: NoDelegate())
        XCTAssertTrue(second.fulfilled(), "a new session is a change")
        let third = watch(host)
        XCTAssertFalse(third.fulfilled())
        _ = host.execute(.put(priority: 0, delay: 0, ttr: 60, body: ByteBuffer(string: "x")), session: session)
        XCTAssertTrue(third.fulfilled(), "a put is a change")
        let fourth = watch(host)
        host.stop()
        XCTAssertFalse(fourth.fulfilled(), "stopping fails the wait")
    }

    func testATimerThatFiresIsAChange() throws {
        let host = makeHost()
        let session = host.openSession(delegate: NoDelegate())
        _ = host.execute(.put(priority: 0, delay: 5, ttr: 60, body: ByteBuffer(string: "x")), session: session)
        _ = watch(host)
        let watcher = watch(host)
        XCTAssertFalse(watcher.fulfilled())
        clock.advance(seconds: 6)
        loop.advanceTime(by: .seconds(6))
        XCTAssertTrue(watcher.fulfilled(), "a delayed job that became ready is a change")
        host.stop()
    }
}

/// A session delegate that expects nothing.
private final class NoDelegate: SessionDelegate {
    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome) {}
    func session(_ session: Session, didFinishPut id: JobID, durableAfter: CommitSequence) {}
}
