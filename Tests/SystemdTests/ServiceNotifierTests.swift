import Foundation
import Systemd
import XCTest

/// The notifier against a `NOTIFY_SOCKET` owned by the test.
final class ServiceNotifierTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        TestEnvironment.restoreAfter(self, "NOTIFY_SOCKET")
        directory = try TestEnvironment.temporaryDirectory(for: self)
    }

    private func listen() throws -> DatagramListener {
        let listener = try DatagramListener(path: directory + "/notify.sock")
        setenv("NOTIFY_SOCKET", listener.path, 1)
        return listener
    }

    func testSingleState() throws {
        let listener = try listen()
        let notifier = ServiceNotifier()
        XCTAssertTrue(notifier.isEnabled)
        XCTAssertTrue(try notifier.notify(.ready))
        XCTAssertEqual(listener.receive()?.text, "READY=1")
    }

    func testSeveralStatesMakeOneMessage() throws {
        let listener = try listen()
        let notifier = ServiceNotifier()
        try notifier.notify(.ready, .status("serving"), .reloading(monotonicMicroseconds: 77), .mainPID(12))
        XCTAssertEqual(listener.receive()?.text, "READY=1\nSTATUS=serving\nRELOADING=1\nMONOTONIC_USEC=77\nMAINPID=12")
        XCTAssertTrue(try notifier.notify([.stopping, .status("bye\nREADY=1")]))
        XCTAssertEqual(listener.receive()?.text, "STOPPING=1\nSTATUS=bye READY=1")
    }

    func testFileDescriptorsForTheStore() throws {
        let listener = try listen()
        let file = directory + "/stored"
        let fd = open(file, O_CREAT | O_RDWR, 0o600)
        defer { close(fd) }
        XCTAssertTrue(try ServiceNotifier().notify([.fdStore(name: "state")], fileDescriptors: [fd]))
        let message = try XCTUnwrap(listener.receive())
        defer { message.descriptors.forEach { close($0) } }
        XCTAssertEqual(message.text, "FDSTORE=1\nFDNAME=state")
        XCTAssertEqual(message.descriptors.count, 1)
        var sent = stat()
        var received = stat()
        XCTAssertEqual(fstat(fd, &sent), 0)
        XCTAssertEqual(fstat(try XCTUnwrap(message.descriptors.first), &received), 0)
        XCTAssertEqual(received.st_ino, sent.st_ino, "the same file arrives")
    }

    func testWithoutNotifySocketNothingIsSent() throws {
        unsetenv("NOTIFY_SOCKET")
        let notifier = ServiceNotifier()
        XCTAssertFalse(notifier.isEnabled)
        XCTAssertFalse(try notifier.notify(.ready))
        XCTAssertFalse(try notifier.notify([.fdStore(name: "x")], fileDescriptors: [0]))
    }

    func testSocketWithoutListenerThrows() {
        setenv("NOTIFY_SOCKET", directory + "/nobody.sock", 1)
        XCTAssertThrowsError(try ServiceNotifier().notify(.ready)) { error in
            XCTAssertEqual(error as? SystemdError, SystemdError(errno: ENOENT, function: "sd_notify"))
            XCTAssertEqual("\(error)", "sd_notify: No such file or directory")
        }
        XCTAssertThrowsError(try ServiceNotifier().notify([.ready], fileDescriptors: [])) { error in
            XCTAssertEqual((error as? SystemdError)?.function, "sd_pid_notify_with_fds")
        }
    }
}
