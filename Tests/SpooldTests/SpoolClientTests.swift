import Foundation
import SpoolTestSupport
import XCTest

@testable import SpoolClient

/// `SpoolClient` against real servers: every protocol scenario runs on a
/// real spoold (on its durable store) and on Debian's beanstalkd, and the
/// replies are checked through the library and, independently, through
/// ``JobClient``. Then pipelining, the Unix socket, connecting to a server
/// that comes up late and reconnects after SIGKILL.
final class SpoolClientTests: SpoolClientTestCase {
    // MARK: Commands

    func testPutReserveDelete() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("jobs")
            let watching = try await client.watch("jobs")
            XCTAssertEqual(watching, 2, "\(server)")
            let left = try await client.ignore("default")
            XCTAssertEqual(left, 1, "\(server)")
            let id = try await client.put("hello", priority: 10, ttr: .seconds(30))
            let binary: [UInt8] = [0, 255, 13, 10, 0, 13, 10]
            let binaryID = try await client.put(binary, priority: 11)
            let stats = try server.jobClient().stats("stats-job \(id)")
            XCTAssertEqual(stats["tube"], "jobs", "\(server)")
            XCTAssertEqual(stats["pri"], "10", "\(server)")
            XCTAssertEqual(stats["ttr"], "30", "\(server)")

            let job = try await client.reserve()
            XCTAssertEqual(job, Job(id: id, body: Array("hello".utf8)), "\(server)")
            XCTAssertEqual(job?.text, "hello", "\(server)")
            let binaryJob = try await client.reserve(timeout: .seconds(1))
            XCTAssertEqual(binaryJob?.id, binaryID, "\(server)")
            XCTAssertEqual(binaryJob?.body, binary, "bodies with CR LF and any byte come back intact (\(server))")
            XCTAssertNil(binaryJob?.text, "\(server)")

            try await client.delete(id)
            try await client.delete(binaryID)
            await assertThrows(SpoolClientError.notFound, server) { try await client.delete(id) }
            XCTAssertNil(try server.jobClient().peek(id), "\(server)")
        }
    }

    func testReserveTimesOutWithNil() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.watch("quiet")
            try await client.ignore("default")
            let immediate = try await client.reserve(timeout: .zero)
            XCTAssertNil(immediate, "\(server)")
            let waited = try await client.reserve(timeout: .milliseconds(200))
            XCTAssertNil(waited, "\(server)")
            await assertThrows(SpoolClientError.invalidArgument("reserve timeout -1.0 seconds is negative"), server) {
                _ = try await client.reserve(timeout: .seconds(-1))
            }
        }
    }

    func testReserveJobByID() async throws {
        try await onEachServer { server in
            let client = server.client()
            let id = try await client.put("by id", delay: .seconds(100))
            let job = try await client.reserve(id: id)
            XCTAssertEqual(job?.text, "by id", "a delayed job can be reserved by id (\(server))")
            let again = try await client.reserve(id: id)
            XCTAssertNil(again, "a reserved job is NOT_FOUND (\(server))")
            let missing = try await client.reserve(id: 999_999)
            XCTAssertNil(missing, "\(server)")
        }
    }

    func testReleaseWithPriorityAndDelay() async throws {
        try await onEachServer { server in
            let client = server.client()
            let id = try await client.put("again", priority: 100)
            _ = try await client.reserve(timeout: .zero)
            try await client.release(id, priority: 5, delay: .seconds(100))
            var stats = try await client.statsJob(id)
            XCTAssertEqual(stats["state"], "delayed", "\(server)")
            XCTAssertEqual(stats["pri"], "5", "\(server)")
            XCTAssertEqual(stats["delay"], "100", "\(server)")
            XCTAssertEqual(stats["releases"], "1", "\(server)")
            let none = try await client.reserve(timeout: .zero)
            XCTAssertNil(none, "a delayed job is not ready (\(server))")

            try await client.kickJob(id)
            let ready = try await client.reserve(timeout: .zero)
            XCTAssertEqual(ready?.id, id, "\(server)")
            try await client.release(id, priority: 7, delay: .milliseconds(1))
            stats = try await client.statsJob(id)
            XCTAssertEqual(stats["delay"], "1", "a delay is rounded up to whole seconds (\(server))")
            try await client.kickJob(id)
            _ = try await client.reserve(timeout: .zero)
            try await client.release(id, priority: 7)
            stats = try await client.statsJob(id)
            XCTAssertEqual(stats["state"], "ready", "\(server)")
            XCTAssertEqual(stats["pri"], "7", "\(server)")
            await assertThrows(SpoolClientError.notFound, server) { try await client.release(id) }
        }
    }

    func testBuryPeekBuriedKickAndKickJob() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("troubled")
            try await client.watch("troubled")
            let first = try await client.put("first")
            let second = try await client.put("second")
            _ = try await client.reserve(timeout: .zero)
            _ = try await client.reserve(timeout: .zero)
            try await client.bury(first, priority: 3)
            try await client.bury(second)
            await assertThrows(SpoolClientError.notFound, server) { try await client.bury(first) }
            let buried = try await client.peekBuried()
            XCTAssertEqual(buried?.id, first, "\(server)")
            let stats = try await client.statsJob(first)
            XCTAssertEqual(stats["state"], "buried", "\(server)")
            XCTAssertEqual(stats["pri"], "3", "\(server)")

            let kicked = try await client.kick(1)
            XCTAssertEqual(kicked, 1, "\(server)")
            let stillBuried = try await client.peekBuried()
            XCTAssertEqual(stillBuried?.id, second, "\(server)")
            try await client.kickJob(second)
            await assertThrows(SpoolClientError.notFound, server) { try await client.kickJob(second) }
            let noneBuried = try await client.peekBuried()
            XCTAssertNil(noneBuried, "\(server)")
            let nothing = try await client.kick(10)
            XCTAssertEqual(nothing, 0, "\(server)")

            _ = try await client.put("later", delay: .seconds(100))
            let delayedKick = try await client.kick(5)
            XCTAssertEqual(delayedKick, 1, "with nothing buried, kick moves delayed jobs (\(server))")
            let ready = try server.jobClient().stats("stats-tube troubled")["current-jobs-ready"]
            XCTAssertEqual(ready, "3", "\(server)")
        }
    }

    func testTouch() async throws {
        try await onEachServer { server in
            let client = server.client()
            let id = try await client.put("long work", ttr: .seconds(100))
            _ = try await client.reserve(timeout: .zero)
            try await client.touch(id)
            let timeLeft = try await client.statsJob(id)["time-left"].flatMap { Int($0) }
            XCTAssertNotNil(timeLeft, "\(server)")
            XCTAssertLessThanOrEqual(timeLeft ?? 1000, 100, "\(server)")
            try await client.release(id)
            await assertThrows(SpoolClientError.notFound, server) { try await client.touch(id) }
            await assertThrows(SpoolClientError.notFound, server) { try await client.touch(999_999) }
        }
    }

    func testPeekCommands() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("peeks")
            let emptyReady = try await client.peekReady()
            let emptyDelayed = try await client.peekDelayed()
            let emptyBuried = try await client.peekBuried()
            let missing = try await client.peek(999_999)
            XCTAssertNil(emptyReady, "\(server)")
            XCTAssertNil(emptyDelayed, "\(server)")
            XCTAssertNil(emptyBuried, "\(server)")
            XCTAssertNil(missing, "\(server)")

            let ready = try await client.put("ready")
            let delayed = try await client.put("delayed", delay: .seconds(100))
            let byID = try await client.peek(delayed)
            XCTAssertEqual(byID?.text, "delayed", "\(server)")
            let nextReady = try await client.peekReady()
            XCTAssertEqual(nextReady, Job(id: ready, body: Array("ready".utf8)), "\(server)")
            let nextDelayed = try await client.peekDelayed()
            XCTAssertEqual(nextDelayed?.id, delayed, "\(server)")
        }
    }

    func testStatistics() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("counted")
            let id = try await client.put("x", priority: 9)

            let stats = try await client.stats()
            XCTAssertEqual(stats.entries.first?.key, "current-jobs-urgent", "the server's order (\(server))")
            XCTAssertEqual(stats["current-jobs-ready"], "1", "\(server)")
            XCTAssertEqual(stats["cmd-put"], "1", "\(server)")
            let version = try XCTUnwrap(stats["version"], "\(server)")
            XCTAssertFalse(version.isEmpty || version.contains("\""), "the quoted version comes unquoted: \(version) (\(server))")
            XCTAssertEqual(Array(stats.map(\.key)), stats.entries.map(\.key), "\(server)")

            let tube = try await client.statsTube("counted")
            XCTAssertEqual(tube.entries.first?.key, "name", "\(server)")
            XCTAssertEqual(tube["name"], "counted", "\(server)")
            XCTAssertEqual(tube["current-jobs-ready"], "1", "\(server)")
            XCTAssertEqual(tube["current-using"], "1", "\(server)")

            let job = try await client.statsJob(id)
            XCTAssertEqual(job.entries.prefix(4).map(\.key), ["id", "tube", "state", "pri"], "\(server)")
            XCTAssertEqual(job["id"], "\(id)", "\(server)")
            XCTAssertEqual(job["tube"], "counted", "\(server)")
            XCTAssertEqual(job["state"], "ready", "\(server)")
            XCTAssertEqual(job["pri"], "9", "\(server)")
            XCTAssertEqual(job["ttr"], "60", "the default TTR (\(server))")

            await assertThrows(SpoolClientError.notFound, server) { _ = try await client.statsTube("no-such-tube") }
            await assertThrows(SpoolClientError.notFound, server) { _ = try await client.statsJob(999_999) }
        }
    }

    func testTubeLists() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("lists-a")
            try await client.watch("lists-b")
            let tubes = try await client.listTubes()
            XCTAssertEqual(Set(tubes), ["default", "lists-a", "lists-b"], "\(server)")
            let used = try await client.listTubeUsed()
            XCTAssertEqual(used, "lists-a", "\(server)")
            var watched = try await client.listTubesWatched()
            XCTAssertEqual(watched, ["default", "lists-b"], "\(server)")
            try await client.ignore("default")
            watched = try await client.listTubesWatched()
            XCTAssertEqual(watched, ["lists-b"], "\(server)")
        }
    }

    func testPauseTube() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("paused")
            try await client.watch("paused")
            try await client.ignore("default")
            let id = try await client.put("waits")
            try await client.pauseTube("paused", for: .seconds(60))
            let stats = try await client.statsTube("paused")
            XCTAssertEqual(stats["pause"], "60", "\(server)")
            let none = try await client.reserve(timeout: .zero)
            XCTAssertNil(none, "a paused tube hands out nothing (\(server))")
            try await client.pauseTube("paused", for: .zero)
            let job = try await client.reserve(timeout: .zero)
            XCTAssertEqual(job?.id, id, "\(server)")
            await assertThrows(SpoolClientError.notFound, server) { try await client.pauseTube("no-such-tube", for: .seconds(1)) }
        }
    }

    // MARK: Errors

    /// NOT_IGNORED, NOT_FOUND from every command that has it, and invalid
    /// arguments refused before anything is sent (the server counts no such command).
    func testErrorReplies() async throws {
        try await onEachServer { server in
            let client = server.client()
            await assertThrows(SpoolClientError.notIgnored, server) { try await client.ignore("default") }
            await assertThrows(SpoolClientError.notFound, server) { try await client.delete(999_999) }
            await assertThrows(SpoolClientError.notFound, server) { try await client.release(999_999) }
            await assertThrows(SpoolClientError.notFound, server) { try await client.bury(999_999) }
            await assertThrows(SpoolClientError.notFound, server) { try await client.kickJob(999_999) }

            let invalid: [(String, @Sendable () async throws -> Void)] = [
                ("use", { try await client.use("-bad") }),
                ("watch", { try await client.watch("has space") }),
                ("ignore", { try await client.ignore("") }),
                ("stats-tube", { _ = try await client.statsTube(String(repeating: "t", count: 201)) }),
                ("pause-tube", { try await client.pauseTube("ok", for: .seconds(-1)) }),
                ("put", { _ = try await client.put("x", delay: .seconds(-5)) }),
                ("kick", { _ = try await client.kick(-1) }),
            ]
            for (command, call) in invalid {
                do {
                    try await call()
                    XCTFail("\(command) must refuse its argument (\(server))")
                } catch SpoolClientError.invalidArgument {
                } catch {
                    XCTFail("\(command): \(error) (\(server))")
                }
            }
            let stats = try server.jobClient().stats("stats")
            for counter in ["cmd-use", "cmd-watch", "cmd-stats-tube", "cmd-pause-tube", "cmd-put", "cmd-kick"] {
                XCTAssertEqual(stats[counter], "0", "nothing sent for an invalid \(counter) (\(server))")
            }
            XCTAssertEqual(stats["cmd-ignore"], "1", "only the first ignore was sent (\(server))")
        }
    }

    func testJobTooBig() async throws {
        try await onEachServer(["-z", "10"]) { server in
            let client = server.client()
            await assertThrows(SpoolClientError.jobTooBig, server) { _ = try await client.put("eleven byte") }
            let id = try await client.put("ten bytes!")
            let job = try await client.peek(id)
            XCTAssertEqual(job?.text, "ten bytes!", "the connection stays usable (\(server))")
        }
    }

    /// With a TTR of 1 s the whole reservation is the safety margin, so the next reserve answers DEADLINE_SOON.
    func testDeadlineSoon() async throws {
        try await onEachServer { server in
            let client = server.client()
            _ = try await client.put("short", ttr: .milliseconds(1))
            let job = try await client.reserve(timeout: .zero)
            let ttr = try await client.statsJob(try XCTUnwrap(job?.id))["ttr"]
            XCTAssertEqual(ttr, "1", "a TTR is rounded up to at least one second (\(server))")
            await assertThrows(SpoolClientError.deadlineSoon, server) { _ = try await client.reserve(timeout: .seconds(5)) }
        }
    }

    /// SIGUSR1 puts the server in drain mode; puts then throw `draining`.
    func testDraining() async throws {
        try await onEachServer { server in
            let client = server.client()
            server.signal(SIGUSR1)
            try await eventually("put answers DRAINING (\(server))") {
                do {
                    _ = try await client.put("refused?")
                    return false
                } catch SpoolClientError.draining {
                    return true
                }
            }
            let stats = try await client.stats()
            XCTAssertEqual(stats["draining"], "true", "\(server)")
        }
    }

    // MARK: Pipelining

    /// 500 puts from concurrent tasks on one client: each gets the id of its
    /// own job (checked against the server), all distinct.
    func testConcurrentPutsArePipelinedAndMatchedInOrder() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("many")
            let ids = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
                for index in 0..<500 {
                    group.addTask { (index, try await client.put("job-\(index)")) }
                }
                return try await group.reduce(into: [Int: UInt64]()) { $0[$1.0] = $1.1 }
            }
            XCTAssertEqual(Set(ids.values).count, 500, "\(server)")
            let checker = try server.jobClient()
            for (index, id) in ids {
                XCTAssertEqual(checker.peek(id)?.body, "job-\(index)", "job \(id) (\(server))")
            }
            XCTAssertEqual(checker.stats("stats-tube many")["total-jobs"], "500", "\(server)")
        }
    }

    /// A command sent while an earlier one waits is written at once, not
    /// after the earlier reply: two replies are awaited together, and each
    /// goes to its own command.
    func testCommandsBehindABlockedReserveAreWrittenAtOnce() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.use("blocked")
            try await client.watch("blocked")
            try await client.ignore("default")
            let checker = try server.jobClient()
            let reserve = Task { try await client.reserve(timeout: .seconds(30)) }
            try await eventually("the reserve waits (\(server))") { checker.stats("stats")["current-waiting"] == "1" }
            let put = Task { try await client.put("behind") }
            try await eventually("both commands are in flight (\(server))") { try await client.awaitedReplies() == 2 }
            XCTAssertEqual(checker.stats("stats-tube blocked")["current-jobs-ready"], "0",
                           "the server holds the put until the reserve is answered (\(server))")
            checker.use("blocked")
            let first = try XCTUnwrap(checker.putID("first"))
            let reserved = try await value(of: reserve)
            XCTAssertEqual(reserved?.id, first, "\(server)")
            let behind = try await value(of: put)
            XCTAssertGreaterThan(behind, first, "\(server)")
            XCTAssertEqual(checker.peek(behind)?.body, "behind", "\(server)")
        }
    }

    // MARK: Connections

    func testUnixSocketEndpoint() async throws {
        let path = try TestScratch.temporaryDirectory().appendingPathComponent("spool.sock").path
        let server = try SpoolClientServer.start(.spoold, ["--listen", "unix:\(path)"])
        try await eventually("spoold listens on \(path)") { (try? RawClient(unixPath: path)) != nil }
        let client = SpoolClient(try Endpoint(parsing: "unix:\(path)"), configuration: .init(reconnect: .never))
        let id = try await client.put("over unix")
        let job = try await client.reserve(timeout: .zero)
        XCTAssertEqual(job, Job(id: id, body: Array("over unix".utf8)))
        try await client.delete(id)
        XCTAssertNil(try server.jobClient().peek(id))
        await client.close()
    }

    /// A server that comes up while the client retries is reached by the next attempt.
    func testConnectSucceedsOnceTheServerComesUp() async throws {
        let port = try TestScratch.freePort()
        let started = Recorder<SpoolClientServer>()
        var configuration = ClientConfiguration(reconnect: .standard)
        configuration.sleep = { _ in
            if started.values.isEmpty { started.append(try SpoolClientServer.start(.beanstalkd, onPort: port)) }
        }
        let client = SpoolClient(.tcp(host: "127.0.0.1", port: port), configuration: configuration)
        let id = try await client.put("eventually")
        XCTAssertEqual(started.values.count, 1, "one wait, then the second attempt connected")
        XCTAssertEqual(try JobClient(port: port).peek(id)?.body, "eventually")
        await client.close()
    }

    /// SIGKILL the server with a reserve in flight: the reserve throws
    /// `connectionClosed`. Start a new server on the same port: the next
    /// commands, sent together, share one reconnect, and find the used
    /// tube and the watch list restored. spoold on the same store still
    /// has the job put before the crash.
    func testReconnectAfterACrashRestoresTheSession() async throws {
        try await onEachServer { server in
            let client = server.client(.standard)
            try await client.use("restored")
            try await client.watch("restored-watch")
            try await client.ignore("default")
            let before = try await client.put("before the crash")
            let checker = try server.jobClient()
            let inFlight = Task { try await client.reserve(timeout: .seconds(60)) }
            try await eventually("the reserve waits (\(server))") { checker.stats("stats")["current-waiting"] == "1" }
            server.crash()
            await assertThrows(SpoolClientError.connectionClosed, server) { _ = try await self.value(of: inFlight) }

            try server.restart()
            let newChecker = try server.jobClient()
            let connectionsBefore = Int(newChecker.stats("stats")["total-connections"] ?? "") ?? -1
            let used = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await client.listTubeUsed() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            XCTAssertEqual(used, ["restored"], "\(server)")
            let connectionsAfter = Int(newChecker.stats("stats")["total-connections"] ?? "") ?? -1
            XCTAssertEqual(connectionsAfter - connectionsBefore, 1, "one reconnect for 20 callers (\(server))")
            let watched = try await client.listTubesWatched()
            XCTAssertEqual(watched, ["restored-watch"], "\(server)")
            let after = try await client.put("after the crash")
            XCTAssertEqual(newChecker.stats("stats-job \(after)")["tube"], "restored", "\(server)")
            if server.kind == .spoold {
                XCTAssertEqual(newChecker.peek(before)?.body, "before the crash", "spoold's store keeps the job")
            }
        }
    }

    /// `close()` fails the commands in flight; the next command reconnects
    /// with the session restored.
    func testCloseEndsInFlightCommandsAndTheNextCommandReconnects() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.watch("after-close")
            try await client.ignore("default")
            let checker = try server.jobClient()
            let inFlight = Task { try await client.reserve() }
            try await eventually("the reserve waits (\(server))") { checker.stats("stats")["current-waiting"] == "1" }
            await client.close()
            await assertThrows(SpoolClientError.connectionClosed, server) { _ = try await self.value(of: inFlight) }
            let watched = try await client.listTubesWatched()
            XCTAssertEqual(watched, ["after-close"], "\(server)")
        }
    }

    /// Cancelling a waiting reserve closes the connection: the reserve
    /// throws CancellationError, and a job put afterwards is still ready.
    func testCancellingAWaitingReserveClosesTheConnection() async throws {
        try await onEachServer { server in
            let client = server.client()
            try await client.watch("cancelled")
            let checker = try server.jobClient()
            let waiting = Task { try await client.reserve() }
            try await eventually("the reserve waits (\(server))") { checker.stats("stats")["current-waiting"] == "1" }
            waiting.cancel()
            do {
                _ = try await value(of: waiting)
                XCTFail("a cancelled reserve throws (\(server))")
            } catch is CancellationError {
            }
            try await eventually("the connection is gone (\(server))") { checker.stats("stats")["current-connections"] == "1" }
            checker.use("cancelled")
            let id = try XCTUnwrap(checker.putID("not lost"))
            XCTAssertEqual(checker.stats("stats-job \(id)")["state"], "ready", "\(server)")
            let job = try await client.reserve(timeout: .zero)
            XCTAssertEqual(job?.id, id, "the client reconnects with its watch list (\(server))")
        }
    }

}

// MARK: - Fixtures

/// What the client tests share: a scenario run on each server, polling with
/// a deadline, and waiting for a task with a deadline.
class SpoolClientTestCase: XCTestCase {
    /// Runs `scenario` on a fresh spoold, then on a fresh beanstalkd, both
    /// started with `extra`; an error thrown on one is a failure naming it,
    /// and the other still runs.
    func onEachServer(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line,
                      _ scenario: (SpoolClientServer) async throws -> Void) async throws {
        for kind in SpoolClientServer.Kind.allCases {
            let server = try SpoolClientServer.start(kind, extra)
            do {
                try await scenario(server)
            } catch {
                XCTFail("\(kind): \(error)", file: file, line: line)
            }
            server.crash()
        }
    }

    /// Evaluates `condition` every 20 ms until it holds; a failure if it
    /// does not within `seconds`.
    func eventually(_ what: String, within seconds: Int64 = 10, file: StaticString = #filePath, line: UInt = #line,
                    _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                return XCTFail("not within \(seconds) s: \(what)", file: file, line: line)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The outcome of `task`, or nil (and a failure) when it has not ended within `seconds`.
    func outcome<Value: Sendable>(of task: Task<Value, Error>, within seconds: Int64, file: StaticString = #filePath,
                                  line: UInt = #line) async -> Result<Value, Error>? {
        let first = Recorder<Result<Value, Error>?>()
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Error>?, Never>) in
            let resumeOnce: @Sendable (Result<Value, Error>?) -> Void = { result in
                if first.appendIfEmpty(result) { continuation.resume(returning: result) }
            }
            Task { resumeOnce(await task.result) }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                resumeOnce(nil)
            }
        }
        if outcome == nil { XCTFail("the task did not end within \(seconds) s", file: file, line: line) }
        return outcome
    }

    /// The value of `task`; throws ``Timeout`` (after a failure) when it has not ended within `seconds`.
    func value<Value: Sendable>(of task: Task<Value, Error>, within seconds: Int64 = 10, file: StaticString = #filePath,
                                line: UInt = #line) async throws -> Value {
        guard let outcome = await outcome(of: task, within: seconds, file: file, line: line) else { throw Timeout() }
        return try outcome.get()
    }

    /// A task that did not end in time.
    struct Timeout: Error {}
}

/// spoold (on a durable store of its own) or Debian's beanstalkd, on a
/// loopback port, killed with SIGKILL when done (the test runner blocks
/// SIGTERM for its children); ``restart()`` starts the same kind again on
/// the same port, and spoold on the same store.
final class SpoolClientServer: CustomStringConvertible {
    /// The two servers the client is tested against.
    enum Kind: String, CaseIterable {
        case spoold, beanstalkd
    }

    let kind: Kind
    let port: Int
    private let extra: [String]
    private let stateDirectory: String
    private var server: ServerProcess?
    private var process: Process?

    private init(kind: Kind, port: Int?, extra: [String]) throws {
        self.kind = kind
        self.extra = extra
        let stateDirectory = try TestScratch.temporaryDirectory().path
        self.stateDirectory = stateDirectory
        switch (kind, port) {
        case (.spoold, nil):
            server = try Self.withSignalsUnblocked { try ServerProcess.spoold(["--state-directory", stateDirectory] + extra) }
        case (.beanstalkd, nil):
            server = try Self.withSignalsUnblocked { try ServerProcess.beanstalkd(extra) }
        case (_, let port?):
            self.port = port
            try launch(onPort: port)
            return
        }
        self.port = server!.port
    }

    /// Starts `kind` on a free port, with `extra` arguments.
    static func start(_ kind: Kind, _ extra: [String] = []) throws -> SpoolClientServer {
        try SpoolClientServer(kind: kind, port: nil, extra: extra)
    }

    /// Starts `kind` on `port`.
    static func start(_ kind: Kind, onPort port: Int, _ extra: [String] = []) throws -> SpoolClientServer {
        try SpoolClientServer(kind: kind, port: port, extra: extra)
    }

    var description: String { kind.rawValue }

    var endpoint: Endpoint { .tcp(host: "127.0.0.1", port: port) }

    /// A client of this server; by default one that never retries, so a dead server fails at once.
    func client(_ policy: ReconnectPolicy = .never) -> SpoolClient {
        SpoolClient(endpoint, configuration: .init(reconnect: policy))
    }

    /// A synchronous raw client, to check the server's state apart from the library.
    func jobClient() throws -> JobClient {
        try JobClient(port: port)
    }

    func signal(_ number: Int32) {
        if let server { server.signal(number) }
        if let process { kill(process.processIdentifier, number) }
    }

    /// Kills the server with SIGKILL and waits until it is gone.
    func crash() {
        signal(SIGKILL)
        server?.process.waitUntilExit()
        process?.waitUntilExit()
    }

    /// Crashes the server and starts the same kind again on the same port.
    func restart() throws {
        crash()
        try launch(onPort: port)
    }

    private func launch(onPort port: Int) throws {
        switch kind {
        case .spoold:
            let arguments = ["--state-directory", stateDirectory] + extra
            server = try Self.withSignalsUnblocked { try ServerProcess.spoold(arguments, port: port) }
            process = nil
        case .beanstalkd:
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/beanstalkd")
            process.arguments = ["-l", "127.0.0.1", "-p", "\(port)"] + extra
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try Self.withSignalsUnblocked { try process.run() }
            server = nil
            self.process = process
            let listening = Deadline.poll(for: 10) { process.isRunning && (try? RawClient(port: port)) != nil }
            guard listening else { throw ServerProcess.ServerError.notListening }
        }
    }

    /// Runs `start` on a thread of its own whose signal mask is empty: a
    /// child inherits its parent thread's mask, and the threads async tests
    /// run on block signals, which would make SIGUSR1 (drain mode) a no-op
    /// for the server.
    private static func withSignalsUnblocked<Value>(_ start: @escaping () throws -> Value) throws -> Value {
        let outcome = Recorder<Result<Value, Error>>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [start = UncheckedStart(start)] in
            var nothing = sigset_t()
            sigemptyset(&nothing)
            pthread_sigmask(SIG_SETMASK, &nothing, nil)
            outcome.append(Result { try start.body() })
            done.signal()
        }
        thread.start()
        done.wait()
        return try outcome.values[0].get()
    }

    /// Hands a start closure to the thread that runs it, which is the only one to touch it.
    private struct UncheckedStart<Value>: @unchecked Sendable {
        let body: () throws -> Value

        init(_ body: @escaping () throws -> Value) {
            self.body = body
        }
    }

    deinit {
        crash()
    }
}
