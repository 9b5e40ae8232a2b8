import ProcessSupervisor
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
        XCTAssertTrue(sandbox.restrictNamespaces)
        XCTAssertNil(sandbox.systemCallErrorNumber, "killed with SIGSYS")
    }

    func testListsAccumulateAndAnEmptyAssignmentClears() throws {
        let sandbox = try mailQueue(
            "SystemCallFilter=@basic-io", "SystemCallFilter=~@privileged chown", "RestrictAddressFamilies=AF_UNIX AF_INET",
            "PrivateNetwork=no", "SystemCallErrorNumber=EPERM", "RestrictNamespaces=no").sandbox
        XCTAssertFalse(sandbox.restrictNamespaces)
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
        XCTAssertEqual(mailFailure("RestrictNamespaces=user"), "\(prefix):4: RestrictNamespaces=user: not a boolean (yes or no)")
        XCTAssertEqual(mailFailure("RestrictAddressFamilies=AF_WIFI"), "\(prefix):4: RestrictAddressFamilies=AF_WIFI: AF_WIFI is not a valid name here")
        XCTAssertEqual(mailFailure("SystemCallFilter=Open"), "\(prefix):4: SystemCallFilter=Open: Open is not a valid name here")
        XCTAssertEqual(mailFailure("SystemCallFilter=~"), "\(prefix):4: SystemCallFilter=~: names nothing after ~")
        XCTAssertEqual(
            mailFailure("SystemCallErrorNumber=EWHAT"),
            "\(prefix):4: SystemCallErrorNumber=EWHAT: not an errno name (such as EPERM), a number from 1 to 4095, or kill")
        XCTAssertEqual(
            mailFailure("BindPaths=/var/cache"),
            "\(prefix):4: BindPaths=/var/cache: not supported: handlers get no bind mounts; ReadWritePaths= opens a path for writing")
        XCTAssertEqual(
            mailFailure("TemporaryFileSystem=/var:exec"),
            "\(prefix):4: TemporaryFileSystem=/var:exec: exec is not an option of TemporaryFileSystem= (ro, rw, mode=, size=, nr_inodes=)")
        XCTAssertEqual(mailFailure("TemporaryFileSystem=var"), "\(prefix):4: TemporaryFileSystem=var: var is not an absolute path below /")
        XCTAssertEqual(
            mailFailure("TemporaryFileSystem=/var:mode=rwx"), "\(prefix):4: TemporaryFileSystem=/var:mode=rwx: mode=rwx: the mode is an octal number")
        XCTAssertEqual(
            mailFailure("ReadWritePaths=/tmp/thumbnails"),
            "\(prefix):4: ReadWritePaths=/tmp/thumbnails: beneath /tmp or /var/tmp, which PrivateTmp= (the default) gives each handler empty, of its own; PrivateTmp=no reaches the shared ones")
    }

    func testTemporaryFileSystemTakesSystemdsSpelling() throws {
        let mounts = try mailQueue("TemporaryFileSystem=/var/cache /srv:ro,size=64m", "TemporaryFileSystem=/opt:mode=0700")
            .sandbox.temporaryFileSystems
        XCTAssertEqual(mounts, [
            TemporaryMount(path: "/var/cache", options: "mode=0755"),
            TemporaryMount(path: "/srv", options: "mode=0755,size=64m", readOnly: true),
            TemporaryMount(path: "/opt", options: "mode=0700"),
        ])
        XCTAssertEqual(try mailQueue("TemporaryFileSystem=/srv", "TemporaryFileSystem=").sandbox.temporaryFileSystems, [])
        // PrivateTmp='s mounts come first; without it, only the file's.
        XCTAssertEqual(try mailQueue().sandbox.temporaryMounts.map(\.path), ["/tmp", "/var/tmp"])
        XCTAssertEqual(try mailQueue("PrivateTmp=no", "TemporaryFileSystem=/srv").sandbox.temporaryMounts.map(\.path), ["/srv"])
        XCTAssertNoThrow(try mailQueue("PrivateTmp=no", "ReadWritePaths=/tmp/thumbnails"), "the shared /tmp")
        XCTAssertNoThrow(try mailQueue("ReadWritePaths=-/tmp/thumbnails /tmp"), "optional, or /tmp itself")
    }
}
