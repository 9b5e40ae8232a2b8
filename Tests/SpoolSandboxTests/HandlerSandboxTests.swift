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
        let sandbox = try HandlerSandbox(.strict, privateMountsUnavailable: nil)
        let mounts = try XCTUnwrap(sandbox.privateMounts)
        XCTAssertEqual(mounts.temporaryFileSystems.map(\.path), ["/tmp", "/var/tmp"])
        XCTAssertEqual(mounts.temporaryFileSystems.map(\.options), ["mode=1777", "mode=1777"])
        XCTAssertNil(sandbox.landlock, "the child builds its own ruleset")
        guard FileSystemRules.abi > 0 else {
            XCTAssertNil(mounts.landlock, "a kernel without Landlock gets no rules")
            return
        }
        let rules = try XCTUnwrap(mounts.landlock)
        XCTAssertEqual(rules.rules.filter { !$0.optional }.map(\.path), ["/tmp"], "writable, and required")
        XCTAssertTrue(rules.rules.contains { $0.path == "/var/tmp" && $0.optional })
        XCTAssertFalse(rules.rules.contains { $0.rights & ~rules.handled != 0 }, "no rule allows what is not handled")
    }

    func testWithoutNamespacesPrivateTmpHidesTheSharedOnes() throws {
        let sandbox = try HandlerSandbox(.strict, privateMountsUnavailable: refused)
        XCTAssertNil(sandbox.privateMounts)
        guard FileSystemRules.abi > 0 else {
            XCTAssertNil(sandbox.landlock, "a kernel without Landlock gets no ruleset")
            return
        }
        XCTAssertNotNil(sandbox.landlock)
        let rules = try XCTUnwrap(FileSystemRules.rules(for: .strict, privateMounts: false))
        XCTAssertFalse(rules.rules.contains { $0.path == "/tmp" }, "neither readable nor writable")
        XCTAssertTrue(rules.rules.contains { $0.path == "/usr" }, "the rest stays readable")
    }

    func testTemporaryFileSystemIsRefusedWithoutNamespaces() throws {
        var settings = SandboxSettings.strict
        settings.privateTmp = false
        settings.temporaryFileSystems = [TemporaryMount(path: "/srv", options: "mode=0755")]
        XCTAssertThrowsError(try HandlerSandbox(settings, privateMountsUnavailable: refused)) { error in
            XCTAssertEqual(error as? SandboxError, .noMountNamespace(refused))
            XCTAssertTrue("\(error)".hasPrefix("TemporaryFileSystem=: needs a mount namespace per handler"), "\(error)")
        }
        XCTAssertEqual(try HandlerSandbox(settings, privateMountsUnavailable: nil).privateMounts?.temporaryFileSystems.map(\.path), ["/srv"])
    }

    func testNoPrivateMountsWhenTheQueueWantsNone() throws {
        var settings = SandboxSettings.strict
        settings.privateTmp = false
        XCTAssertNil(try HandlerSandbox(settings, privateMountsUnavailable: nil).privateMounts)
    }
}
