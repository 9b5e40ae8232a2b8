import Foundation
import SpoolTestSupport
import XCTest

/// spoold under `systemd-socket-activate`, with a NOTIFY_SOCKET owned by the
/// test: named Unix and TCP sockets are adopted, and READY, STATUS, WATCHDOG
/// and STOPPING arrive in order.
final class SocketActivationTests: XCTestCase {
    func testActivatedSocketsAndServiceNotifications() throws {
        let directory = try TestScratch.temporaryDirectory()
        let notify = try NotifySocket(directory: directory)
        let unixPath = directory.appendingPathComponent("spool.sock").path
        let port = try TestScratch.freePort()
        let (process, log) = try socketActivate([
            "-l", unixPath, "-l", "127.0.0.1:\(port)", "--fdname=spool:spool-tcp",
            "-E", "NOTIFY_SOCKET=\(notify.path)", "-E", "WATCHDOG_USEC=400000",
            TestEnvironment.spoold.path, "-V", "--bus", "none", "--state-directory", directory.appendingPathComponent("state").path,
        ])
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        try waitForFile(unixPath)
        XCTAssertEqual(try command(of: process), "systemd-socket-", "spoold is not started before the first connection")
        XCTAssertNil(notify.receive(timeout: 0.1), "nothing before activation")
        let unix = try connectUnix(unixPath)
        unix.send("use activated\r\n")
        XCTAssertEqual(unix.readLine(), "USING activated\r\n")

        let startup = try XCTUnwrap(notify.receive(until: { $0.contains("READY=1") }), "no READY=1")
        XCTAssertFalse(startup.dropLast().contains { $0.contains("WATCHDOG=1") }, "WATCHDOG before READY: \(startup)")
        XCTAssertTrue(startup.last?.contains("STATUS=") ?? false, "READY comes with a STATUS line: \(startup)")

        let tcp = try RawClient(port: port)
        tcp.send("use activated\r\nput 0 0 60 1\r\nx\r\n")
        XCTAssertEqual(tcp.read(matching: "USING activated\r\nINSERTED 1\r\n"), "USING activated\r\nINSERTED 1\r\n")
        let status = notify.receive(until: { $0.contains("STATUS=1 ready") })
        XCTAssertNotNil(status, "the status shows the new job")
        XCTAssertTrue(status?.last?.contains("in 2 tubes; 2 connections; durability always") ?? false, "\(status ?? [])")
        let pings = notify.receive(until: { $0 == "WATCHDOG=1" }, timeout: 2)
        XCTAssertNotNil(pings, "WATCHDOG=1 is sent at half the watchdog interval")

        kill(process.processIdentifier, SIGTERM)
        let stopping = notify.receive(until: { $0.contains("STOPPING=1") })
        XCTAssertNotNil(stopping, "STOPPING=1 on SIGTERM")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, log.text)
        XCTAssertTrue(log.text.contains("fd_name=spool-tcp") || log.text.contains("spool-tcp"), log.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: unixPath), "an inherited socket file belongs to systemd and stays")
    }

    /// A NOTIFY_SOCKET that no one reads (its queue full after ten
    /// datagrams) stops nothing: spoold had blocked its engine's loop in
    /// the next watchdog ping, served no one and ignored SIGTERM.
    func testANotifySocketNoOneReadsStopsNothing() throws {
        let directory = try TestScratch.temporaryDirectory()
        let notify = try NotifySocket(directory: directory)
        let port = try TestScratch.freePort()
        let process = Process()
        process.executableURL = TestEnvironment.spoold
        process.arguments = ["-l", "127.0.0.1", "-p", "\(port)", "--bus", "none"]
        process.environment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "20000"]
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        var client: RawClient?
        XCTAssertTrue(Deadline.poll(for: 10) { client = try? RawClient(port: port); return client != nil }, "spoold listens")
        // Pings every 10 ms: the queue is full long before this ends.
        let end = Date().addingTimeInterval(1.5)
        var puts = 0
        while Date() < end {
            client?.send("put 0 0 60 1\r\nx\r\n")
            XCTAssertTrue(client?.readLine(timeout: 5).hasPrefix("INSERTED") ?? false, "put \(puts) answered")
            puts += 1
            usleep(20_000)
        }
        XCTAssertEqual(notify.receive(timeout: 1).map { $0.contains("READY=1") || $0.contains("WATCHDOG=1") }, true, "it did notify")
        kill(process.processIdentifier, SIGTERM)
        XCTAssertTrue(Deadline.poll(for: 10) { !process.isRunning }, "SIGTERM ends it")
    }

    /// An empty first name in LISTEN_FDNAMES (`:spool`, which libsystemd
    /// takes) is a name like another: the list had ended there, and spoold
    /// refused to start ("Invalid argument"). systemd-socket-activate
    /// cannot pass an empty name: a small launcher does what systemd does.
    func testAnEmptyFirstSocketNameIsTakenAsLibsystemdTakesIt() throws {
        let directory = try TestScratch.temporaryDirectory()
        let second = directory.appendingPathComponent("second.sock").path
        let launcher = """
            import fcntl, os, socket, sys
            listeners = [socket.socket(socket.AF_UNIX) for _ in range(2)]
            high = []
            for listener, path in zip(listeners, sys.argv[2:4]):
                listener.bind(path)
                listener.listen()
                high.append(fcntl.fcntl(listener.fileno(), fcntl.F_DUPFD, 10))
            for number, descriptor in zip((3, 4), high):
                os.dup2(descriptor, number)
            environment = dict(os.environ, LISTEN_FDS="2", LISTEN_FDNAMES=":spool", LISTEN_PID=str(os.getpid()))
            os.execve(sys.argv[1], [sys.argv[1], "--bus", "none", "--durability", "off"], environment)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", launcher, TestEnvironment.spoold.path, directory.appendingPathComponent("first.sock").path, second]
        let log = Pipe()
        process.standardError = log
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try waitForFile(second)
        let client = try connectUnix(second)
        client.send("list-tube-used\r\n")
        XCTAssertEqual(client.readLine(), "USING default\r\n", "spoold serves the sockets it was passed")
        XCTAssertTrue(process.isRunning)
    }

    func testIdleExit() throws {
        let directory = try TestScratch.temporaryDirectory()
        let notify = try NotifySocket(directory: directory)
        let unixPath = directory.appendingPathComponent("spool.sock").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        process.arguments = ["-l", unixPath, "-E", "NOTIFY_SOCKET=\(notify.path)", TestEnvironment.spoold.path, "--exit-when-idle", "1", "--durability", "off", "--bus", "none"]
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let client = try connectUnix(unixPath)
        client.send("put 0 0 60 1\r\nx\r\n")
        XCTAssertEqual(client.readLine(), "INSERTED 1\r\n")
        client.close()
        XCTAssertNil(notify.receive(until: { $0.contains("STOPPING=1") }, timeout: 2.5), "a job is held: not idle")
        XCTAssertTrue(process.isRunning)
        let second = try connectUnix(unixPath)
        second.send("delete 1\r\n")
        XCTAssertEqual(second.readLine(), "DELETED\r\n")
        second.close()
        XCTAssertNotNil(notify.receive(until: { $0.contains("STOPPING=1") }, timeout: 5), "idle: it stops")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    /// The process's `comm` (its name, cut to 15 bytes by the kernel).
    private func command(of process: Process) throws -> String {
        try String(contentsOfFile: "/proc/\(process.processIdentifier)/comm", encoding: .utf8)
            .trimmingCharacters(in: .newlines)
    }
}
