import SpoolQueueFiles
import XCTest

/// `SystemCallFilter=`, `SystemCallErrorNumber=`, `RestrictAddressFamilies=`
/// and `PrivateNetwork=`: a queue's sandbox in its file, read as systemd reads a unit's.
final class SandboxKeysTests: XCTestCase {
    private let prefix = mailPath

    func testAFileThatNamesNoneGetsTheStrictDefault() throws {
        let sandbox = try mailQueue().sandbox
        XCTAssertEqual(sandbox, .strict)
        XCTAssertEqual(sandbox.effectiveSystemCallFilter, [["@system-service"], ["~@privileged"]])
        XCTAssertTrue(sandbox.privateNetwork)
        XCTAssertNil(sandbox.systemCallErrorNumber, "killed with SIGSYS")
    }

    func testListsAccumulateAndAnEmptyAssignmentClears() throws {
        let sandbox = try mailQueue(
            "SystemCallFilter=@basic-io", "SystemCallFilter=~@privileged chown", "RestrictAddressFamilies=AF_UNIX AF_INET",
            "PrivateNetwork=no", "SystemCallErrorNumber=EPERM").sandbox
        XCTAssertEqual(sandbox.systemCallFilter, [["@basic-io"], ["~@privileged", "chown"]])
        XCTAssertEqual(sandbox.addressFamilies, [["AF_UNIX", "AF_INET"]])
        XCTAssertFalse(sandbox.privateNetwork)
        XCTAssertEqual(sandbox.systemCallErrorNumber, 1)
        let cleared = try mailQueue("SystemCallFilter=@basic-io", "SystemCallFilter=").sandbox
        XCTAssertEqual(cleared.systemCallFilter, [], "back to the default")
        XCTAssertEqual(try mailQueue("SystemCallErrorNumber=kill").sandbox.systemCallErrorNumber, nil)
        XCTAssertEqual(try mailQueue("SystemCallErrorNumber=38").sandbox.systemCallErrorNumber, 38)
    }

    func testBadValuesAreNamed() {
        XCTAssertEqual(mailFailure("PrivateNetwork=maybe"), "\(prefix):4: PrivateNetwork=maybe: not a boolean (yes or no)")
        XCTAssertEqual(mailFailure("RestrictAddressFamilies=AF_WIFI"), "\(prefix):4: RestrictAddressFamilies=AF_WIFI: AF_WIFI is not a valid name here")
        XCTAssertEqual(mailFailure("SystemCallFilter=Open"), "\(prefix):4: SystemCallFilter=Open: Open is not a valid name here")
        XCTAssertEqual(mailFailure("SystemCallFilter=~"), "\(prefix):4: SystemCallFilter=~: names nothing after ~")
        XCTAssertEqual(
            mailFailure("SystemCallErrorNumber=EWHAT"),
            "\(prefix):4: SystemCallErrorNumber=EWHAT: not an errno name (such as EPERM), a number from 1 to 4095, or kill")
        XCTAssertEqual(
            mailFailure("TemporaryFileSystem=/var/cache"),
            "\(prefix):4: TemporaryFileSystem=/var/cache: not supported: it needs a mount namespace per handler, which spoold's sandbox rules out; InaccessiblePaths= hides a path, ReadWritePaths= gives scratch space")
    }
}
