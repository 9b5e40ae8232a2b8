import SpoolTestSupport
import XCTest

@testable import SpoolClient

/// The client without a working server: nothing listening (with and without
/// retries), arguments refused before connecting, and a server whose reply
/// line never ends.
final class ConnectFailureTests: XCTestCase {
    /// `.never` makes one attempt: a closed port or a missing socket fails
    /// the command at once, with the endpoint and the system's reason.
    func testNeverPolicyFailsAtOnceWithAClearMessage() async throws {
        let port = try TestScratch.freePort()
        let started = ContinuousClock.now
        let tcp = SpoolClient(.tcp(host: "127.0.0.1", port: port), configuration: .init(reconnect: .never))
        await assertThrows(SpoolClientError.connectionFailed("cannot connect to tcp:127.0.0.1:\(port): Connection refused"), "tcp") {
            _ = try await tcp.put("x")
        }
        let path = try TestScratch.temporaryDirectory().appendingPathComponent("missing.sock").path
        let unix = SpoolClient(.unix(path: path), configuration: .init(reconnect: .never))
        await assertThrows(SpoolClientError.connectionFailed("cannot connect to unix:\(path): No such file or directory"), "unix") {
            try await unix.connect()
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "no retries, no waiting")
    }

    /// The standard policy makes ten attempts with the backoff's waits
    /// between them (recorded, not slept), then reports how many it made.
    func testStandardPolicyRetriesWithBackoffThenFails() async throws {
        let port = try TestScratch.freePort()
        let sleeps = Recorder<Duration>()
        var configuration = ClientConfiguration(reconnect: .standard)
        configuration.sleep = { sleeps.append($0) }
        configuration.jitter = { 0.5 }
        let client = SpoolClient(.tcp(host: "127.0.0.1", port: port), configuration: configuration)
        await assertThrows(SpoolClientError.connectionFailed("cannot connect to tcp:127.0.0.1:\(port): Connection refused (10 attempts)"), "tcp") {
            _ = try await client.stats()
        }
        XCTAssertEqual(sleeps.values, (2...10).map { ReconnectPolicy.standard.delay(beforeAttempt: $0, jitter: 0.5) })
    }

    /// A server that sends an endless line: the client gives up after the
    /// line limit, fails the command and closes the connection.
    func testAnEndlessReplyLineFailsTheCommand() async throws {
        let hostile = try HostileServer(sending: Array(repeating: UInt8(ascii: "x"), count: 100_000))
        let client = SpoolClient(.tcp(host: "127.0.0.1", port: hostile.port), configuration: .init(reconnect: .never))
        await assertThrows(SpoolClientError.unexpectedReply("a reply line longer than 224 bytes"), "hostile") { _ = try await client.stats() }
        let awaited = try await client.awaitedReplies()
        XCTAssertEqual(awaited, 0)
    }
    /// A server that answers the first command and then nothing: with a
    /// reply timeout, the second command fails once its time is up (its
    /// clock starts when the first reply arrives) and the connection closes.
    func testAReplyThatNeverComesTimesOut() async throws {
        let silent = try HostileServer(sending: Array("INSERTED 7\r\n".utf8))
        let limit = Duration.milliseconds(300)
        let client = SpoolClient(
            .tcp(host: "127.0.0.1", port: silent.port), configuration: .init(reconnect: .never, replyTimeout: limit))
        let id = try await client.put("first")
        XCTAssertEqual(id, 7)
        await assertThrows(SpoolClientError.timedOut(limit), "silent") { _ = try await client.stats() }
        let awaited = try await client.awaitedReplies()
        XCTAssertEqual(awaited, 0)
    }

    /// A `reserve-with-timeout` may take its own wait on top of the reply
    /// timeout: it fails only after both.
    func testAReserveMayTakeItsWaitBesideTheReplyTimeout() async throws {
        let silent = try HostileServer(sending: [])
        let client = SpoolClient(
            .tcp(host: "127.0.0.1", port: silent.port), configuration: .init(reconnect: .never, replyTimeout: .milliseconds(100)))
        let started = ContinuousClock.now
        await assertThrows(SpoolClientError.timedOut(.milliseconds(1100)), "reserve") {
            _ = try await client.reserve(timeout: .seconds(1))
        }
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(1100))
    }

    /// Arguments are checked before connecting; a server that is not there
    /// ends `run` with the connect failure.
    func testConsumerFailures() async throws {
        let port = try TestScratch.freePort()
        let endpoint = Endpoint.tcp(host: "127.0.0.1", port: port)
        await assertThrows(SpoolClientError.invalidArgument("a consumer needs at least one tube"), "no tubes") {
            try await Consumer(endpoint, tubes: []).run { _ in .delete }
        }
        do {
            try await Consumer(endpoint, tubes: ["ok", "not ok"]).run { _ in .delete }
            XCTFail("an invalid tube name is refused")
        } catch SpoolClientError.invalidArgument(let message) {
            XCTAssertTrue(message.contains("\"not ok\""), message)
        }
        await assertThrows(SpoolClientError.connectionFailed("cannot connect to tcp:127.0.0.1:\(port): Connection refused"), "no server") {
            try await Consumer(endpoint, tubes: ["t"], configuration: .init(reconnect: .never)).run { _ in .delete }
        }
    }
}
