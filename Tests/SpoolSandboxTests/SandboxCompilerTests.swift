@testable import SpoolSandbox
import Foundation
import SpoolQueueFiles
import XCTest

/// How `SystemCallFilter=` and `RestrictAddressFamilies=` combine, and the
/// filters libseccomp builds from them with the installed systemd's groups.
final class SandboxCompilerTests: XCTestCase {
    private let groups = SyscallGroups(parsing: """
        @default
            # always
            execve
            exit_group

        @io
            read
            write
            @inner

        @inner
            pread64

        @privileged
            chroot
            pread64

        """)

    func testGroupsExpandRecursively() throws {
        XCTAssertEqual(try groups.systemCalls("@io"), ["read", "write", "pread64"])
        XCTAssertEqual(try groups.systemCalls("chroot"), ["chroot"])
        XCTAssertThrowsError(try groups.systemCalls("@nothing")) { error in
            XCTAssertEqual(error as? SandboxError, .unknownGroup("@nothing"))
        }
    }

    func testTheFirstAssignmentDecidesAndTheOthersAddOrTakeAway() throws {
        let allow = try SandboxCompiler.systemCalls([["@io"], ["~@privileged"]], groups: groups)
        XCTAssertTrue(allow.allow)
        XCTAssertEqual(allow.calls, ["read", "write", "execve", "exit_group"], "@default is always allowed")
        let deny = try SandboxCompiler.systemCalls([["~chroot"], ["~@inner"], ["pread64"]], groups: groups)
        XCTAssertFalse(deny.allow)
        XCTAssertEqual(deny.calls, ["chroot"])
    }

    func testPrivateNetworkLeavesAtMostUnixSockets() {
        var settings = SandboxSettings.strict
        XCTAssertEqual(SandboxCompiler.allowedFamilies(settings), [], "no socket at all by default")
        settings.addressFamilies = [["AF_UNIX", "AF_INET"]]
        XCTAssertEqual(SandboxCompiler.allowedFamilies(settings), [1])
        settings.privateNetwork = false
        XCTAssertEqual(SandboxCompiler.allowedFamilies(settings), [1, 2])
        settings.addressFamilies = [["~AF_INET6"]]
        XCTAssertEqual(SandboxCompiler.allowedFamilies(settings)?.contains(10), false)
        XCTAssertEqual(SandboxCompiler.allowedFamilies(settings)?.contains(2), true)
        settings.addressFamilies = []
        XCTAssertNil(SandboxCompiler.allowedFamilies(settings), "no filter: every family")
    }

    func testTheTableIsTheInstalledSystemds() throws {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["syscall-filter"]
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let installed = SyscallGroups(parsing: output)
        for group in ["@system-service", "@privileged", "@default", "@known", "@network-io"] {
            XCTAssertEqual(try SyscallGroups.systemd.systemCalls(group), try installed.systemCalls(group),
                           "\(group) differs from the installed systemd's: run scripts/syscall-groups")
        }
    }

    func testSystemdsGroupsBuildFilters() throws {
        let installed = SyscallGroups.systemd
        XCTAssertTrue(try installed.systemCalls("@system-service").contains("read"))
        XCTAssertFalse(try installed.systemCalls("@system-service").subtracting(installed.systemCalls("@privileged")).contains("chroot"))
        let filters = try SandboxCompiler.filters(for: .strict)
        XCTAssertEqual(filters.count, 1, "no socket at all: the system call filter refuses socket() itself")
        var unix = SandboxSettings.strict
        unix.addressFamilies = [["AF_UNIX"]]
        let unixFilters = try SandboxCompiler.filters(for: unix)
        XCTAssertEqual(unixFilters.count, 2, "system calls, and the socket families")
        XCTAssertTrue((filters + unixFilters).allSatisfy { !$0.instructions.isEmpty && $0.instructions.count % 8 == 0 })
        XCTAssertThrowsError(try SandboxCompiler.filters(for: SandboxSettings(
            systemCallFilter: [["frobnicate"]], systemCallErrorNumber: nil, addressFamilies: [], privateNetwork: true))
        ) { error in
            XCTAssertEqual(error as? SandboxError, .unknownSystemCall("frobnicate"))
        }
    }

    func testEverythingButAHiddenPathStaysReadable() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("spool-readable-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        for directory in ["a/b", "a/c", "d"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        let readable = try FileSystemRules.readable(around: [root.appendingPathComponent("a/b").path])
        XCTAssertTrue(readable.contains(root.appendingPathComponent("a/c").path))
        XCTAssertTrue(readable.contains(root.appendingPathComponent("d").path))
        XCTAssertFalse(readable.contains("/"), "the root itself is split, not allowed whole")
        let hidden = root.appendingPathComponent("a/b").path
        XCTAssertFalse(readable.contains { $0 == hidden || hidden.hasPrefix($0 == "/" ? "/" : $0 + "/") }, "no rule covers the hidden path")
        XCTAssertTrue(readable.contains("/usr"), "the rest of / stays readable")
    }
}
