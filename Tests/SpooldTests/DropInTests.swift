import Foundation
import SpoolTestSupport
import XCTest

/// spoold in beanstalkd's place: started the way scripts, images and client
/// libraries' test suites start beanstalkd, it behaves as beanstalkd does.
final class DropInTests: XCTestCase {
    /// `spoold -l 127.0.0.1 -p PORT` and nothing else keeps jobs in memory:
    /// each start is empty, says so in `stats`, and writes nothing, neither in
    /// its working directory nor in /var/lib/spool.
    func testStartedAsBeanstalkdEachStartIsEmptyAndWritesNothing() throws {
        let workingDirectory = try TestScratch.temporaryDirectory()
        let defaultState = URL(fileURLWithPath: "/var/lib/spool")
        let stateBefore = try? FileManager.default.contentsOfDirectory(atPath: defaultState.path).sorted()
        for run in 1...2 {
            let server = try ServerProcess.spooldAsBeanstalkd(workingDirectory: workingDirectory)
            let client = try JobClient(port: server.port)
            let stats = client.stats("stats")
            XCTAssertEqual(stats["current-jobs-ready"], "0", "start \(run) is empty")
            XCTAssertEqual(stats["total-jobs"], "0", "start \(run) is empty")
            XCTAssertEqual(stats["durability"], "off", "start \(run)")
            XCTAssertEqual(client.putID("left behind"), 1, "start \(run) numbers from 1, as beanstalkd does")
            XCTAssertEqual(server.stop(), 0)
            XCTAssertTrue(server.output.contains("jobs are kept in memory only"), server.output)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workingDirectory.path), [], "nothing written to the working directory")
        let stateAfter = try? FileManager.default.contentsOfDirectory(atPath: defaultState.path).sorted()
        XCTAssertEqual(stateAfter, stateBefore, "/var/lib/spool is left as it was")
    }

    /// Two such spoolds run side by side on two ports, each with its own jobs.
    /// spoold as an unprivileged user serves TCP clients. It used to close
    /// every accepted TCP connection at once: TCP_NODELAY set at the socket
    /// level is SO_DEBUG, which only root may set (the tests run as root,
    /// the packaged spoold as user spool).
    func testStartedByAnUnprivilegedUserItServesTCPClients() throws {
        let server = try ServerProcess.spooldAsNobody()
        let client = try JobClient(port: server.port)
        XCTAssertNotNil(client.putID("hello"), "a put over TCP is answered")
        XCTAssertEqual(client.reserve(timeout: 0)?.body, "hello")
    }

    func testTwoStartedAsBeanstalkdRunSideBySide() throws {
        let first = try ServerProcess.spooldAsBeanstalkd()
        let second = try ServerProcess.spooldAsBeanstalkd()
        let one = try JobClient(port: first.port)
        let two = try JobClient(port: second.port)
        XCTAssertNotNil(one.putID("only in the first"))
        XCTAssertEqual(one.stats("stats")["current-jobs-ready"], "1")
        XCTAssertEqual(two.stats("stats")["current-jobs-ready"], "0")
        XCTAssertTrue(first.process.isRunning && second.process.isRunning)
    }

    /// With beanstalkd's -b, a job survives kill -9.
    func testWithStateDirectoryAJobSurvivesKill9() throws {
        let directory = try TestScratch.temporaryDirectory().path
        let before = try ServerProcess.spooldAsBeanstalkd(["-b", directory])
        let id = try XCTUnwrap(try JobClient(port: before.port).putID("kept"))
        before.signal(SIGKILL)
        before.process.waitUntilExit()
        let after = try ServerProcess.spooldAsBeanstalkd(["-b", directory])
        let client = try JobClient(port: after.port)
        XCTAssertEqual(client.peek(id)?.body, "kept")
        XCTAssertEqual(client.stats("stats")["durability"], "always")
    }

    /// A start maps no library it does not use: SQLite (only for converting
    /// an earlier release's spool.db) and libseccomp (only for sandboxed
    /// queues) are loaded when needed, not at every start.
    func testADurableStartMapsNeitherSQLiteNorLibseccomp() throws {
        let directory = try TestScratch.temporaryDirectory().path
        let server = try ServerProcess.spooldAsBeanstalkd(["-b", directory])
        XCTAssertNotNil(try JobClient(port: server.port).putID("served"), "the store is open and serves")
        let maps = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/maps", encoding: .utf8)
        XCTAssertTrue(maps.contains("libc.so"), "the maps were read")
        XCTAssertFalse(maps.contains("libsqlite3"), maps)
        XCTAssertFalse(maps.contains("libseccomp"), maps)
    }

    /// beanstalkd's -f and -F without -b are accepted and change nothing,
    /// with a warning; an explicit durable mode without a directory is refused.
    func testFsyncFlagsWithoutStateDirectory() throws {
        for flag in [["-f", "0"], ["-F"]] {
            let server = try ServerProcess.spooldAsBeanstalkd(flag)
            XCTAssertEqual(try JobClient(port: server.port).stats("stats")["durability"], "off", "\(flag)")
            XCTAssertEqual(server.stop(), 0)
            XCTAssertTrue(server.output.contains("\(flag[0]) has no effect without a state directory"), server.output)
        }
        for mode in ["always", "interval:50", "nosync"] {
            let result = try runCommand(TestEnvironment.spoold.path, ["-l", "127.0.0.1", "-p", "\(try TestScratch.freePort())", "--durability", mode],
                                        timeout: 15)
            XCTAssertNotEqual(result.status, 0, mode)
            XCTAssertTrue(result.output.contains("--durability \(mode) needs a state directory"), result.output)
        }
    }

    /// -z at its maximum is taken as given, in memory as beanstalkd takes it
    /// and with a state directory alike: the journal keeps any body the
    /// protocol allows.
    func testMaxJobSizeAtItsMaximumIsKeptWithAStateDirectory() throws {
        let memory = try ServerProcess.spooldAsBeanstalkd(["-z", "1073741824"])
        XCTAssertEqual(try JobClient(port: memory.port).stats("stats")["max-job-size"], "1073741824")
        let durable = try ServerProcess.spooldAsBeanstalkd(["-z", "1073741824", "-b", try TestScratch.temporaryDirectory().path])
        XCTAssertEqual(try JobClient(port: durable.port).stats("stats")["max-job-size"], "1073741824")
        XCTAssertEqual(durable.stop(), 0)
    }

    /// `stats` reports the beanstalkd version whose protocol spoold speaks,
    /// which compares above 1.8 (where kick-job came) however a client
    /// compares it, and spoold's own version under a key of its own.
    func testStatsReportsTheBeanstalkdVersionAndSpoolsOwn() throws {
        let server = try ServerProcess.spooldAsBeanstalkd()
        let raw = try RawClient(port: server.port)
        raw.send("stats\r\n")
        let document = raw.readDocument()
        XCTAssertTrue(document.contains("\nversion: \"1.13\"\n"), document)
        XCTAssertTrue(document.contains("\nspool-version: \"0.1.0\"\n"), document)
        let version = try runCommand(TestEnvironment.spoold.path, ["-v"])
        XCTAssertEqual(version.output, "spoold 0.1.0 (beanstalkd 1.13 protocol)\n")
    }

    /// 10,000 concurrent connections are each answered, and a new client is
    /// still served while they are all open.
    func testTenThousandConcurrentConnections() throws {
        try raiseOpenFileLimit(to: 12_000)
        let server = try ServerProcess.spooldAsBeanstalkd()
        let count = 10_000
        var clients: [RawClient] = []
        clients.reserveCapacity(count)
        for _ in 0..<count { clients.append(try RawClient(port: server.port)) }
        for (index, client) in clients.enumerated() { client.send("use t\(index % 100)\r\n") }
        var answered = 0
        for (index, client) in clients.enumerated() where client.readLine(timeout: 30) == "USING t\(index % 100)\r\n" {
            answered += 1
        }
        XCTAssertEqual(answered, count)
        let newcomer = try JobClient(port: server.port)
        XCTAssertEqual(newcomer.stats("stats")["current-connections"], "\(count + 1)")
        XCTAssertNotNil(newcomer.putID("still served"))
        clients.forEach { $0.close() }
    }

    /// Raises this process's open-file limit (soft, and hard when it is lower),
    /// so that the test's own clients fit; spoold inherits it.
    private func raiseOpenFileLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw POSIXError(.EPERM) }
        if limit.rlim_cur >= wanted { return }
        limit.rlim_max = max(limit.rlim_max, wanted)
        limit.rlim_cur = wanted
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            XCTFail("cannot raise the open-file limit to \(wanted): run the tests as root, as CI does")
            throw POSIXError(.EPERM)
        }
    }
}
