import DBus
import Foundation
import SpoolControlAPI
import SpoolTestSupport
import XCTest

/// SpoolControlAPI's typed proxies against a real spoold on a private
/// system-type bus: every value they decode is the one the queue has.
final class ControlProxyTests: XCTestCase {
    func testTypedProxiesReadAndDriveARealSpoold() async throws {
        let bus = try SystemBus()
        let server = try ServerProcess.spoold(["--bus", bus.address, "--queues-directory", try TestScratch.temporaryDirectory().path])
        let client = try JobClient(port: server.port)
        client.use("proxied")
        XCTAssertNotNil(client.putID("ready"))
        XCTAssertNotNil(client.putID("later", delay: 3600))
        let connection = try Connection(.address(bus.address))
        defer { connection.close() }
        let manager = Manager(connection)
        let queue = manager.queue("proxied")
        let deadline = Date().addingTimeInterval(10)
        while (try? await queue.name) == nil {
            guard Date() < deadline else { return XCTFail("the queue object of tube proxied never appeared") }
            try await Task.sleep(for: .milliseconds(20))
        }

        let version = try await manager.version
        let durability = try await manager.durability
        let state = try await manager.state
        let tubes = try await manager.tubes
        XCTAssertEqual(version, "0.1.0")
        XCTAssertEqual(durability, "always")
        XCTAssertEqual(state, "running")
        XCTAssertEqual(tubes, 2, "default and proxied")
        let listed = try await manager.listQueues().map(\.tube)
        XCTAssertEqual(listed, ["default", "proxied"])

        let name = try await queue.name
        let ready = try await queue.jobsReady
        let delayed = try await queue.jobsDelayed
        let total = try await queue.totalJobs
        let using = try await queue.using
        let poolState = try await queue.poolState
        XCTAssertEqual(name, "proxied")
        XCTAssertEqual(ready, 1)
        XCTAssertEqual(delayed, 1)
        XCTAssertEqual(total, 2)
        XCTAssertEqual(using, 1)
        XCTAssertEqual(poolState, "none")

        try await queue.pause(seconds: 60)
        let paused = try await queue.paused
        let pauseSeconds = try await queue.pauseSeconds
        XCTAssertTrue(paused)
        XCTAssertEqual(pauseSeconds, 60)
        XCTAssertEqual(client.stats("stats-tube proxied")["pause"], "60")
        try await queue.resume()
        let resumed = try await queue.paused
        XCTAssertFalse(resumed)
        let kicked = try await queue.kick(10)
        XCTAssertEqual(kicked, 1, "the delayed job")
        XCTAssertEqual(client.stats("stats-tube proxied")["current-jobs-ready"], "2")

        do {
            _ = try await manager.queue("no-such-tube").jobsReady
            XCTFail("a tube that does not exist has no queue object")
        } catch let error as ControlCallError {
            XCTAssertTrue(["org.freedesktop.DBus.Error.UnknownObject", "org.spool.Spool1.Error.NoSuchQueue"].contains(error.error.name.rawValue),
                          "\(error)")
        }
    }
}
