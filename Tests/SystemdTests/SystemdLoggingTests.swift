import Foundation
import Logging
import Systemd
import XCTest

final class SystemdLoggingTests: XCTestCase {
    override func setUp() {
        TestEnvironment.restoreAfter(self, "JOURNAL_STREAM")
    }

    /// `DEVICE:INODE` of file descriptor 2 of the test process.
    private func standardErrorIdentity() throws -> (device: UInt64, inode: UInt64) {
        var status = stat()
        XCTAssertEqual(fstat(2, &status), 0)
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }

    func testStandardErrorIsNotTheJournalWithoutJournalStream() {
        unsetenv("JOURNAL_STREAM")
        XCTAssertFalse(SystemdLogging.isStderrJournal)
        XCTAssertTrue(SystemdLogging.handler(label: "l", identifier: "i") is StreamLogHandler)
    }

    func testStandardErrorIsNotTheJournalWhenJournalStreamNamesAnotherFile() throws {
        let own = try standardErrorIdentity()
        for value in ["\(own.device):\(own.inode + 1)", "\(own.device + 1):\(own.inode)", "garbage", "\(own.device):", ""] {
            setenv("JOURNAL_STREAM", value, 1)
            XCTAssertFalse(SystemdLogging.isStderrJournal, value)
        }
        XCTAssertTrue(SystemdLogging.handler(label: "l", identifier: "i") is StreamLogHandler)
    }

    func testStandardErrorIsTheJournalWhenJournalStreamMatches() throws {
        let own = try standardErrorIdentity()
        setenv("JOURNAL_STREAM", "\(own.device):\(own.inode)", 1)
        XCTAssertTrue(SystemdLogging.isStderrJournal)
        let handler = try XCTUnwrap(SystemdLogging.handler(label: "spool", identifier: "spoold") as? JournalLogHandler)
        XCTAssertEqual(handler.identifier, "spoold")
        XCTAssertEqual(handler.label, "spool")
    }
}
