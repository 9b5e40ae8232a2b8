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
