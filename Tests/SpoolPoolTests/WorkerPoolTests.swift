import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolCore
import SpoolPool
@testable import SpoolEngineHost
import SpoolQueueFiles
import XCTest

/// The worker pool on a real server: handlers run for the jobs of their
/// tube, and their exit statuses delete, retry or bury them.
final class WorkerPoolTests: XCTestCase {
    /// A condition that did not come true in time.
    private struct TimedOut: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting until \(what)" }
    }

    /// Runs `body` with a server on its own loop and a pool configured with
    /// one queue per entry of `queues` (`[Queue]` lines), then shuts both down.
    private func withPool(_ queues: [String], _ body: (EngineHost, WorkerPool) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await EngineHost(configuration: HostConfiguration(), eventLoop: group.next(), logger: Logger(label: "test"))
        let pool = try await WorkerPool(host: server, logger: Logger(label: "test"), killGracePeriod: .seconds(1))
        var failure: Error?
        do {
            let configurations = try queues.enumerated().map { index, lines in
                try QueueConfiguration(parsing: "[Queue]\n\(lines)\nUser=root\n", path: "/etc/spool/queues.d/\(index).conf")
            }
            try await pool.configure(configurations)
            try await body(server, pool)
        } catch {
            failure = error
        }
        await pool.shutdown(gracePeriod: .seconds(2))
        await server.stop()
        try await group.shutdownGracefully()
        if let failure { throw failure }
    }

    /// Puts `count` jobs into `tube` as a client would, and returns their ids.
    private func put(_ count: Int, into tube: String, on server: EngineHost) async throws -> [JobID] {
        try await server.change { engine in
            let session = engine.openSession()
            engine.use(session, tube: tube)
            let ids = (0..<count).compactMap { number -> JobID? in
                guard case .inserted(let id) = engine.put(session, priority: 0, delay: 0, ttr: 60, body: ByteBuffer(string: "job \(number)")) else { return nil }
                return id
            }
            engine.closeSession(session)
            return ids
        }
    }

    /// Polls `condition` on the engine's loop every 10 ms until it holds; throws after 10 seconds.
    private func waitUntil(_ what: String, on server: EngineHost, _ condition: @escaping @Sendable (Engine) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !server.inspect(condition) {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func testJobsWhoseHandlerSucceedsAreDeleted() async throws {
        try await withPool(["Tube=t\nExecStart=/bin/true\nWorkers=2"]) { server, pool in
            let ids = try await put(5, into: "t", on: server)
            XCTAssertEqual(ids.count, 5)
            try await waitUntil("the five jobs are deleted", on: server) { $0.tubeStats("t")?.deletes == 5 }
            let (stats, tube) = try await server.inspect { ($0.stats, $0.tubeStats("t")) }
            XCTAssertEqual(tube?.ready, 0)
            XCTAssertEqual(tube?.reserved, 0)
            XCTAssertEqual(tube?.watching, 2, "both workers watch the tube")
            XCTAssertEqual(stats.sessions, 0, "workers are not connections")
            XCTAssertEqual(stats.workers, 0)
            XCTAssertEqual(stats.totalSessions, 1, "only the test's producer")
            let status = try await pool.status()
            XCTAssertEqual(status.map(\.tube), ["t"])
            XCTAssertEqual(status.first?.attempts, 5)
            XCTAssertEqual(status.first?.failures, 0)
            XCTAssertEqual(status.first?.workers, 2)
            XCTAssertEqual(status.first?.busy, 0)
            XCTAssertEqual(status.first?.idle, 2)
            XCTAssertEqual(status.first?.isRunning, true)
        }
    }

    func testAFailingHandlerIsRetriedThenTheJobIsBuriedWithTheReason() async throws {
        try await withPool(["Tube=f\nExecStart=/bin/false\nMaxAttempts=2\nBackoffMin=10ms\nBackoffMax=10ms"]) { server, pool in
            let events = NIOLockedValueBox<[EngineEvent]>([])
            try await server.observe { event in events.withLockedValue { $0.append(event) } }
            let ids = try await put(1, into: "f", on: server)
            let id = try XCTUnwrap(ids.first)
            try await waitUntil("the job is buried", on: server) { $0.jobStats(id)?.state == .buried }
            let stats = try await server.inspect { $0.jobStats(id) }
            XCTAssertEqual(stats?.attempts, 2)
            XCTAssertEqual(stats?.lastFailure, "exit status 1; attempt 2 of 2")
            XCTAssertEqual(stats?.counters.reserves, 2)
            XCTAssertEqual(stats?.counters.releases, 1, "the first failure was retried")
            XCTAssertEqual(events.withLockedValue { $0 }, [
                .attemptRetried(job: id, tube: "f", reason: "exit status 1"),
                .jobBuried(job: id, tube: "f", reason: "exit status 1; attempt 2 of 2"),
            ])
            let status = try await pool.status().first
            XCTAssertEqual(status?.attempts, 2)
            XCTAssertEqual(status?.failures, 2)
            XCTAssertEqual(status?.buried, 1)
        }
    }

    func testAStoppedPoolTakesNoJobUntilStartedAgain() async throws {
        try await withPool(["Tube=t\nExecStart=/bin/true"]) { server, pool in
            try await pool.stop(tube: "t")
            let isRunning = try await pool.status().first?.isRunning
            XCTAssertEqual(isRunning, false)
            let state = try await server.change { engine -> JobState? in
                let session = engine.openSession()
                defer { engine.closeSession(session) }
                engine.use(session, tube: "t")
                guard case .inserted(let id) = engine.put(session, priority: 0, delay: 0, ttr: 60, body: ByteBuffer()) else { return nil }
                return engine.jobStats(id)?.state
            }
            XCTAssertEqual(state, .ready, "no worker was waiting to take it")
            try await pool.start(tube: "t")
            try await waitUntil("the job is deleted", on: server) { $0.tubeStats("t")?.deletes == 1 }
        }
    }

    func testSetWorkersResizesThePool() async throws {
        try await withPool(["Tube=t\nExecStart=/bin/true"]) { server, pool in
            try await pool.setWorkers(0, tube: "t")
            let none = try await pool.status().first?.workers
            XCTAssertEqual(none, 0)
            let ids = try await put(1, into: "t", on: server)
            let id = try XCTUnwrap(ids.first)
            let state = try await server.inspect { $0.jobStats(id)?.state }
            XCTAssertEqual(state, .ready, "no worker to take it")
            try await pool.setWorkers(3, tube: "t")
            try await waitUntil("the job is deleted", on: server) { $0.jobStats(id) == nil }
            let workers = try await pool.status().first?.workers
            XCTAssertEqual(workers, 3)
            let watching = try await server.inspect { $0.tubeStats("t")?.watching }
            XCTAssertEqual(watching, 3)
        }
    }

    func testRequestsThatCannotBeMetThrow() async throws {
        try await withPool(["Tube=t\nExecStart=/bin/true"]) { _, pool in
            await assertThrows(.badWorkerCount(-1)) { try await pool.setWorkers(-1, tube: "t") }
            await assertThrows(.badWorkerCount(257)) { try await pool.setWorkers(257, tube: "t") }
            await assertThrows(.noSuchPool("nope")) { try await pool.setWorkers(1, tube: "nope") }
            await assertThrows(.noSuchPool("nope")) { try await pool.start(tube: "nope") }
            await assertThrows(.noSuchPool("nope")) { try await pool.stop(tube: "nope") }
            try await pool.setWorkers(256, tube: "t")
            let workers = try await pool.status().first?.workers
            XCTAssertEqual(workers, 256, "256 is allowed")
        }
    }

    /// Checks that `body` throws `expected`.
    private func assertThrows(
        _ expected: PoolError, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            XCTFail("no error; expected \(expected)", file: file, line: line)
        } catch {
            XCTAssertEqual(error as? PoolError, expected, file: file, line: line)
        }
    }
}

extension EngineHost {
    /// Runs `body` with the engine on its loop, for reading.
    fileprivate func inspect<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) async throws -> T {
        try await eventLoop.submit { body(self.onLoop.engine) }.get()
    }

    /// Runs `body` with the engine on its loop to change the queue, as a
    /// client would, and returns once the change is durable.
    fileprivate func change<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) async throws -> T {
        let result = try await eventLoop.submit { body(self.onLoop.engine) }.get()
        try await waitUntilDurable()
        return result
    }
}
