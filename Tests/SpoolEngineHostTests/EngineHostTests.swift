import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

import SpoolEngineHost

/// Periodic work (watchdog pings) runs on the engine's own loop, so a loop that
/// hangs stops it: systemd then sees the missed pings and restarts the daemon.
final class EngineHostTests: XCTestCase {
    func testPeriodicWorkStopsWhileTheServingLoopIsBlocked() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = try await EngineHost(configuration: HostConfiguration(), eventLoop: group.next(), logger: Logger(label: "test"))
        let ticks = NIOLockedValueBox<[NIODeadline]>([])
        let task = host.every(.milliseconds(20)) { _ in ticks.withLockedValue { $0.append(.now()) } }
        try await waitUntil { ticks.withLockedValue { $0.count } >= 4 }
        let (blockStart, blockEnd) = try await host.eventLoop.submit {
            let start = NIODeadline.now()
            usleep(600_000)
            return (start, NIODeadline.now())
        }.get()
        try await waitUntil { ticks.withLockedValue { $0.filter { $0 > blockEnd }.count } >= 4 }
        task.cancel()
        let all = ticks.withLockedValue { $0 }
        XCTAssertGreaterThan(all.filter { $0 < blockStart }.count, 3, "ticks before the block")
        XCTAssertTrue(all.filter { $0 > blockStart && $0 < blockEnd }.isEmpty,
                      "no tick while the loop is blocked")
        XCTAssertGreaterThan(all.filter { $0 > blockEnd }.count, 3, "ticks resume after the block")
        await host.stop()
        try await group.shutdownGracefully()
    }

    /// Polls `condition` every 10 ms until it holds; fails after 10 seconds.
    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = NIODeadline.now() + .seconds(10)
        while !condition() {
            guard NIODeadline.now() < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func testStatusLine() async throws {
        let snapshot = StatusSnapshot(ready: 12, reserved: 3, delayed: 1, buried: 2, tubes: 4, connections: 1, durability: "always")
        XCTAssertEqual(snapshot.statusLine, "12 ready, 3 reserved, 1 delayed, 2 buried in 4 tubes; 1 connection; durability always")
        XCTAssertFalse(snapshot.isIdle)
        XCTAssertTrue(StatusSnapshot(ready: 0, reserved: 0, delayed: 0, buried: 0, tubes: 1, connections: 0, durability: "off").isIdle)
    }
}
