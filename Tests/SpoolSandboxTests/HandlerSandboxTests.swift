import Foundation
@testable import SpoolSandbox
import ProcessSupervisor
import SpoolQueueFiles
import XCTest

/// Which file system a queue's handlers get: private mounts where spoold can
/// make user and mount namespaces, else a shared Landlock ruleset, and a
/// queue that cannot do without them refused.
final class HandlerSandboxTests: XCTestCase {
    private let refused = "unshare(CLONE_NEWUSER|CLONE_NEWNS): Operation not permitted"

    func testTheDefaultGetsATmpAndVarTmpOfItsOwn() throws {
        let sandbox = try HandlerSandbox(.strict, mounts: .mountNamespace)
        let mounts = try XCTUnwrap(sandbox.privateMounts)
        XCTAssertEqual(mounts.temporaryFileSystems.map(\.path), ["/tmp", "/var/tmp"])
        XCTAssertEqual(mounts.temporaryFileSystems.map(\.options), ["mode=1777", "mode=1777"])
        XCTAssertNil(sandbox.landlock, "the child builds its own ruleset")
        XCTAssertFalse(sandbox.needsTemporaryDirectory, "its /tmp is its own")
        XCTAssertNil(try sandbox.makeTemporaryDirectory())
        guard FileSystemRules.abi > 0 else {
            XCTAssertNil(mounts.landlock, "a kernel without Landlock gets no rules")
            return
        }
        let rules = try XCTUnwrap(mounts.landlock)
        XCTAssertEqual(rules.rules.filter { !$0.optional }.map(\.path), ["/tmp"], "writable, and required")
        XCTAssertTrue(rules.rules.contains { $0.path == "/var/tmp" && $0.optional })
        XCTAssertFalse(rules.rules.contains { $0.rights & ~rules.handled != 0 }, "no rule allows what is not handled")
    }

    func testWithoutNamespacesPrivateTmpHidesTheSharedOnes() async throws {
        let sandbox = try HandlerSandbox(.strict, mounts: .unavailable(refused))
        XCTAssertNil(sandbox.privateMounts)
        guard FileSystemRules.abi > 0 else {
            XCTAssertNil(sandbox.landlock, "a kernel without Landlock gets no ruleset")
            XCTAssertFalse(sandbox.needsTemporaryDirectory, "nothing hides the shared /tmp")
            return
        }
        XCTAssertNil(sandbox.landlock, "no shared ruleset: each worker's names its directory")
        XCTAssertTrue(sandbox.needsTemporaryDirectory, "a $TMPDIR of each worker's own instead")
        let directory = try XCTUnwrap(try sandbox.makeTemporaryDirectory())
        XCTAssertTrue(directory.path.hasPrefix("/tmp/spoold-handlers."), directory.path)
        XCTAssertTrue(directory.exists, "spoold's own, 1777")
        XCTAssertNotNil(directory.landlock)
        let other = try XCTUnwrap(try sandbox.makeTemporaryDirectory())
        XCTAssertNotEqual(other.path, directory.path)
        XCTAssertFalse(directory.landlock === other.landlock, "a ruleset that names the directory, the worker's own")
        var command = HandlerCommand(
            arguments: ["/bin/true"], environment: [:], user: "nobody", group: nil, workingDirectory: "/", limits: ResourceLimits())
        sandbox.apply(to: &command, temporaryDirectory: directory)
        XCTAssertEqual(command.environment["TMPDIR"], directory.path)
        XCTAssertEqual(command.temporaryDirectory, directory.path)
        command.environment["TMPDIR"] = "/var/lib/mine"
        sandbox.apply(to: &command, temporaryDirectory: directory)
        XCTAssertEqual(command.environment["TMPDIR"], "/var/lib/mine", "the queue's Environment= wins")
        let base = (directory.path as NSString).deletingLastPathComponent
        await HandlerTemporaryDirectory.removeBase()
        XCTAssertFalse(directory.exists)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "the base directory goes with what it holds")
        let rules = try XCTUnwrap(FileSystemRules.rules(for: .strict, privateMounts: false))
        XCTAssertFalse(rules.rules.contains { $0.path == "/tmp" }, "neither readable nor writable")
        XCTAssertTrue(rules.rules.contains { $0.path == "/usr" }, "the rest stays readable")
    }

    func testAMissingPathFailsTheSandboxWhereEachWorkerGetsItsOwnRules() throws {
        var settings = SandboxSettings.strict
        settings.readWritePaths = ["/no/such/spool/path"]
        guard FileSystemRules.abi > 0 else {
            XCTAssertFalse(try HandlerSandbox(settings, mounts: .unavailable(refused)).needsTemporaryDirectory,
                           "a kernel without Landlock has no rules to check, and no directory to give")
            return
        }
        XCTAssertThrowsError(try HandlerSandbox(settings, mounts: .unavailable(refused))) { error in
            XCTAssertEqual(error as? SandboxError, .missingPath("/no/such/spool/path"))
        }
        settings.readWritePaths = ["-/no/such/spool/path"]
        XCTAssertTrue(try HandlerSandbox(settings, mounts: .unavailable(refused)).needsTemporaryDirectory, "an optional path may be missing")
    }

    func testTemporaryFileSystemIsRefusedWithoutNamespaces() throws {
        var settings = SandboxSettings.strict
        settings.privateTmp = false
        settings.temporaryFileSystems = [TemporaryMount(path: "/srv", options: "mode=0755")]
        XCTAssertThrowsError(try HandlerSandbox(settings, mounts: .unavailable(refused))) { error in
            XCTAssertEqual(error as? SandboxError, .noMountNamespace(refused))
            XCTAssertTrue("\(error)".hasPrefix("TemporaryFileSystem=: needs a mount namespace per handler"), "\(error)")
        }
        XCTAssertEqual(try HandlerSandbox(settings, mounts: .mountNamespace).privateMounts?.temporaryFileSystems.map(\.path), ["/srv"])
    }

    func testNoPrivateMountsWhenTheQueueWantsNone() throws {
        var settings = SandboxSettings.strict
        settings.privateTmp = false
        XCTAssertNil(try HandlerSandbox(settings, mounts: .mountNamespace).privateMounts)
        XCTAssertFalse(try HandlerSandbox(settings, mounts: .unavailable(refused)).needsTemporaryDirectory)
    }

    /// In user namespaces (a spoold without root), only a queue with
    /// `TemporaryFileSystem=` pays for private mounts; then its /tmp is a
    /// tmpfs too. `PrivateTmp=` alone stays a worker's `$TMPDIR`.
    func testInUserNamespacesOnlyTemporaryFileSystemTakesPrivateMounts() throws {
        let plain = try HandlerSandbox(.strict, mounts: .userNamespace)
        XCTAssertNil(plain.privateMounts)
        XCTAssertEqual(plain.needsTemporaryDirectory, FileSystemRules.abi > 0)
        var settings = SandboxSettings.strict
        settings.temporaryFileSystems = [TemporaryMount(path: "/srv", options: "mode=0755")]
        let covered = try XCTUnwrap(try HandlerSandbox(settings, mounts: .userNamespace).privateMounts)
        XCTAssertTrue(covered.userNamespace)
        XCTAssertEqual(covered.temporaryFileSystems.map(\.path), ["/tmp", "/var/tmp", "/srv"])
        XCTAssertFalse(try XCTUnwrap(try HandlerSandbox(settings, mounts: .mountNamespace).privateMounts).userNamespace)
    }
}
