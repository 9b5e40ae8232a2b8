import Logging
import NIOCore
import NIOEmbedded
import SpoolCore
import XCTest

@testable import SpoolEngineHost
@testable import SpoolServer

/// `stats-job` answers exactly as beanstalkd does, plus Spool's `attempts` and
/// `reason` keys for the jobs a worker pool has failed on, and only those.
final class StatsJobTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var host: LoopEngine!

    override func setUp() {
        loop = EmbeddedEventLoop()
        host = LoopEngine(
            engine: Engine(clock: ManualClock(), store: MemoryStore()),
            configuration: HostConfiguration(maxJobSize: 100), eventLoop: loop, logger: Logger(label: "test"))
    }

    /// Sends `command` on a new connection and returns the reply.
    private func reply(_ command: String) throws -> String {
        let channel = EmbeddedChannel(handler: ConnectionHandler(engine: host), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: command))
        loop.run()
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        _ = try channel.finish()
        return text
    }

    /// The `OK` reply framing `yaml`.
    private func ok(_ yaml: String) -> String {
        "OK \(yaml.utf8.count)\r\n\(yaml)\r\n"
    }

    /// beanstalkd's `stats-job` document for job 1 of `default`, ready, put with priority 5 and TTR 60.
    private func beanstalkdDocument(state: String = "ready", reserves: Int = 0, releases: Int = 0, buries: Int = 0, kicks: Int = 0) -> String {
        """
        ---
        id: 1
        tube: default
        state: \(state)
        pri: 5
        age: 0
        delay: 0
        ttr: 60
        time-left: 0
        file: 0
        reserves: \(reserves)
        timeouts: 0
        releases: \(releases)
        buries: \(buries)
        kicks: \(kicks)

        """
    }

    /// Reserves job 1 on a pool worker's session and fails it with `reason`.
    private func failJob(_ reason: String, retry: Bool) {
        let engine = host.engine
        let worker = engine.openSession(isInternal: true)
        guard case .reserved(let job)? = engine.reserve(worker, timeout: 0) else { return XCTFail("nothing to reserve") }
        XCTAssertTrue(engine.fail(worker, id: job.id, reason: reason, retryAfter: retry ? 0 : nil))
        engine.closeSession(worker)
    }

    func testAJobNoPoolHasFailedOnHasExactlyBeanstalkdsKeys() throws {
        XCTAssertEqual(try reply("put 5 0 60 2\r\nhi\r\n"), "INSERTED 1\r\n")
        XCTAssertEqual(try reply("stats-job 1\r\n"), ok(beanstalkdDocument()))
        XCTAssertEqual(try reply("reserve-with-timeout 0\r\nrelease 1 5 0\r\nstats-job 1\r\n"),
                       "RESERVED 1 2\r\nhi\r\nRELEASED\r\n" + ok(beanstalkdDocument(reserves: 1, releases: 1)))
        XCTAssertEqual(try reply("reserve-with-timeout 0\r\nbury 1 5\r\nkick 1\r\nstats-job 1\r\n"),
                       "RESERVED 1 2\r\nhi\r\nBURIED\r\nKICKED 1\r\n" + ok(beanstalkdDocument(reserves: 2, releases: 1, buries: 1, kicks: 1)))
    }

    func testAFailedJobShowsItsAttemptsAndEscapedReason() throws {
        XCTAssertEqual(try reply("put 5 0 60 2\r\nhi\r\n"), "INSERTED 1\r\n")
        failJob("exit status 1: open \"in\\box\"\nfailed", retry: true)
        XCTAssertEqual(
            try reply("stats-job 1\r\n"),
            ok(beanstalkdDocument(reserves: 1, releases: 1) + "attempts: 1\nreason: \"exit status 1: open \\\"in\\\\box\\\"\\nfailed\"\n"))
        failJob("exit status 2; attempt 2 of 2", retry: false)
        XCTAssertEqual(
            try reply("stats-job 1\r\n"),
            ok(beanstalkdDocument(state: "buried", reserves: 2, releases: 1, buries: 1)
                + "attempts: 2\nreason: \"exit status 2; attempt 2 of 2\"\n"))
    }

    func testAKickedJobKeepsItsReasonWithZeroAttempts() throws {
        XCTAssertEqual(try reply("put 5 0 60 2\r\nhi\r\n"), "INSERTED 1\r\n")
        failJob("gave up", retry: false)
        XCTAssertEqual(
            try reply("kick-job 1\r\nstats-job 1\r\n"),
            "KICKED\r\n" + ok(beanstalkdDocument(reserves: 1, buries: 1, kicks: 1) + "attempts: 0\nreason: \"gave up\"\n"))
    }
}
