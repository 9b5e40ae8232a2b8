import Foundation
import Systemd
import XCTest

final class SocketActivationTests: XCTestCase {
    override func setUp() {
        TestEnvironment.restoreAfter(self, "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
    }

    func testNotActivated() throws {
        XCTAssertEqual(try SocketActivation.takeListeningSockets(), [])
    }

    func testSocketsForAnotherProcessAreNotTakenButTheVariablesAreRemoved() throws {
        setenv("LISTEN_PID", "\(getpid() + 1)", 1)
        setenv("LISTEN_FDS", "2", 1)
        setenv("LISTEN_FDNAMES", "a:b", 1)
        XCTAssertEqual(try SocketActivation.takeListeningSockets(), [])
        XCTAssertNil(getenv("LISTEN_PID"))
        XCTAssertNil(getenv("LISTEN_FDS"))
        XCTAssertNil(getenv("LISTEN_FDNAMES"))
    }

    func testMalformedVariablesThrow() {
        setenv("LISTEN_PID", "\(getpid())", 1)
        setenv("LISTEN_FDS", "many", 1)
        XCTAssertThrowsError(try SocketActivation.takeListeningSockets()) { error in
            XCTAssertEqual(error as? SystemdError, SystemdError(errno: EINVAL, function: "sd_listen_fds_with_names"))
        }
    }

    /// The example under `systemd-socket-activate`, which binds the sockets,
    /// waits for a first connection on any of them, then execs the program
    /// in its own process with LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES set
    /// and only the variables given with -E.
    func testSocketsFromSystemdSocketActivate() throws {
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let notify = try DatagramListener(path: directory + "/notify.sock")
        let socketPath = directory + "/control.sock"
        let port = try TestEnvironment.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        process.arguments = [
            "-l", socketPath, "-l", "127.0.0.1:\(port)", "--fdname=control:tcp",
            "-E", "NOTIFY_SOCKET=\(notify.path)", "-E", "WATCHDOG_USEC=1000000",
            TestEnvironment.example.path,
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdout = PipeReader(output)
        let stderr = PipeReader(errors)
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        XCTAssertTrue(stderr.read(until: { $0.contains("Listening on 127.0.0.1:\(port) as 4.") }), stderr.text)
        XCTAssertTrue(stderr.text.contains("Listening on \(socketPath) as 3."), stderr.text)
        XCTAssertNil(notify.receive(timeout: 0), "the program has not started yet")
        XCTAssertEqual(stdout.text, "")

        let client = try TestEnvironment.connectUnix(socketPath)
        defer { close(client) }
        XCTAssertTrue(stdout.readToEnd(), "the example exits")
        process.waitUntilExit()
        stderr.readToEnd()
        XCTAssertEqual(process.terminationStatus, 0, stderr.text)
        XCTAssertTrue(stderr.text.contains("Communication attempt on fd 3."), stderr.text)
        XCTAssertEqual(stdout.text, "fd=3 name=control\nfd=4 name=tcp\n")
        XCTAssertEqual(notify.receive()?.text, "READY=1\nSTATUS=serving 2 activated socket(s)")
        XCTAssertEqual(notify.receive()?.text, "WATCHDOG=1")
    }
}
