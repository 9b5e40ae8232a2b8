import Foundation
import SpoolSandbox
import SpoolTestSupport
import XCTest

/// Handlers under their queue's sandbox, run by a real spoold: real scripts
/// and programs that reach for the network or a forbidden system call, and
/// what becomes of their jobs (the reason in `stats-job`).
final class SandboxTests: XCTestCase {
    private var pool: PoolFixture!

    override func setUpWithError() throws {
        pool = try PoolFixture()
    }

    override func tearDown() {
        pool.remove()
    }

    private func run(_ body: String, in tube: String, on client: JobClient) throws -> [String: String]? {
        try pool.outcome(of: body, in: tube, on: client)
    }

    private func queue(_ tube: String, handler: String, _ settings: [String] = []) throws {
        try pool.queue(tube, ["Tube=\(tube)", "ExecStart=\(handler)", "User=nobody", "MaxAttempts=1"] + settings)
    }

    func testTheDefaultSandboxRunsAWellBehavedHandler() throws {
        let handler = try pool.handler("copy.sh", """
            body=$(cat)
            printf '%s\\n' "$body" | tr a-z A-Z | sed 's/^/got /' > /dev/null
            ls / > /dev/null
            exit 0
            """)
        try queue("tame", handler: handler)
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        XCTAssertNil(try run("hello", in: "tame", on: client), "the job ran and was deleted")
    }

    func testNoNetworkByDefaultNotEvenLoopbackOrAUnixSocket() throws {
        let listener = try TCPListener()
        let unixPath = pool.root.appendingPathComponent("peer.sock").path
        let unixListener = try UnixListener(path: unixPath)
        let handler = try pool.handler("net.sh", """
            exec /usr/bin/python3 -c '
            import socket, sys
            target = sys.stdin.read()
            if target.startswith("/"):
                s = socket.socket(socket.AF_UNIX); s.connect(target)
            else:
                s = socket.create_connection(("127.0.0.1", int(target)))
            '
            """)
        try queue("net", handler: handler)
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        for target in [String(listener.port), unixPath] {
            let stats = try XCTUnwrap(try run(target, in: "net", on: client), "connecting to \(target) must fail")
            XCTAssertEqual(stats["state"], "buried")
            XCTAssertTrue(stats["reason"]?.contains("Address family not supported") ?? false, "\(stats)")
        }
        XCTAssertEqual(listener.accepted, 0, "nothing reached the TCP listener")
        XCTAssertEqual(unixListener.accepted, 0, "nothing reached the Unix socket")
    }

    func testAUnixSocketWhenTheQueueAsksForIt() throws {
        let unixPath = pool.root.appendingPathComponent("peer.sock").path
        let unixListener = try UnixListener(path: unixPath)
        chmod(unixPath, 0o777)
        let handler = try pool.handler("unix.sh", """
            exec /usr/bin/python3 -c '
            import socket, sys
            s = socket.socket(socket.AF_UNIX); s.connect(sys.stdin.read())
            '
            """)
        try queue("unix", handler: handler, ["RestrictAddressFamilies=AF_UNIX"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        XCTAssertNil(try run(unixPath, in: "unix", on: client), "the handler connected")
        XCTAssertTrue(Deadline.poll(for: 5) { unixListener.accepted == 1 })
    }

    func testAForbiddenSystemCallKillsTheHandlerWithAReason() throws {
        let handler = try pool.handler("chroot.sh", "exec /usr/bin/python3 -c 'import os; os.chroot(\"/\")'")
        try queue("forbidden", handler: handler)
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let stats = try XCTUnwrap(try run("x", in: "forbidden", on: client))
        XCTAssertEqual(stats["state"], "buried")
        XCTAssertTrue(stats["reason"]?.contains("forbidden system call (SIGSYS") ?? false, "\(stats)")
        XCTAssertEqual(stats["attempts"], "1")
    }

    /// `RestrictNamespaces=` (on by default): a handler makes no namespace
    /// (`clone`'s flags are checked alike: SyscallRangeFilterTests) and
    /// still starts processes; `RestrictNamespaces=no` lets it (an
    /// unprivileged user namespace, which this kernel allows).
    func testAHandlerMakesNoNamespaceUnlessTheQueueAllowsIt() throws {
        let script = try pool.handler("unshare.sh", """
            cat > /dev/null
            /bin/true || exit 3
            exec /usr/bin/unshare --user /bin/true
            """)
        try queue("closed", handler: script)
        try queue("open", handler: script, ["RestrictNamespaces=no"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let closed = try XCTUnwrap(try run("x", in: "closed", on: client))
        XCTAssertTrue(closed["reason"]?.contains("unshare failed: Operation not permitted") ?? false, "\(closed)")
        XCTAssertNil(try run("x", in: "open", on: client), "RestrictNamespaces=no")
    }

    func testSystemCallErrorNumberMakesTheCallFailInstead() throws {
        let handler = try pool.handler("chroot.sh", """
            exec /usr/bin/python3 -c '
            import os, sys
            try:
                os.chroot("/")
            except OSError as error:
                sys.exit("chroot failed: " + os.strerror(error.errno))
            '
            """)
        try queue("errno", handler: handler, ["SystemCallErrorNumber=EPERM"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let stats = try XCTUnwrap(try run("x", in: "errno", on: client))
        XCTAssertTrue(stats["reason"]?.contains("exit status 1: chroot failed: Operation not permitted") ?? false, "\(stats)")
    }

    func testTheFileSystemIsReadOnlyButForReadWritePaths() throws {
        let outside = try TestScratch.handlerDirectory()
        chmod(outside.path, 0o777)
        let target = outside.appendingPathComponent("written").path
        let handler = try pool.handler("write.sh", """
            target=$(cat)
            echo inside > "$OUT/inside" || exit 4
            echo outside > "$target"
            """)
        try queue("write", handler: handler)
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let stats = try XCTUnwrap(try run(target, in: "write", on: client), "writing outside ReadWritePaths= must fail")
        XCTAssertTrue(stats["reason"]?.contains("Permission denied") ?? false, "\(stats)")
        XCTAssertEqual(pool.lines("inside"), ["inside"], "ReadWritePaths= (the output directory) stays writable")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "nothing was written outside")
    }

    func testAMissingReadWritePathFailsTheFileUnlessOptional() throws {
        let handler = try pool.handler("true.sh", "exit 0")
        try queue("missing", handler: handler, ["ReadWritePaths=/nonexistent/spool \(pool.root.path)"])
        try queue("optional", handler: handler, ["ReadWritePaths=-/nonexistent/spool \(pool.root.path)"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        XCTAssertTrue(Deadline.poll(for: 5) { server.outputSoFar.contains("/nonexistent/spool does not exist") }, server.outputSoFar)
        XCTAssertNil(try run("x", in: "optional", on: client), "the optional path is skipped and the handler runs")
    }

    func testPrivateTmpAndInaccessiblePathsHideFiles() throws {
        let secrets = try TestScratch.temporaryDirectory()
        chmod(secrets.path, 0o755)
        let secret = secrets.appendingPathComponent("secret").path
        try "s3cret".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o644)
        let handler = try pool.handler("read.sh", "cat \"$(cat)\" > /dev/null")
        try queue("private", handler: handler)
        try queue("shared", handler: handler, ["PrivateTmp=no"])
        try queue("hidden", handler: handler, ["PrivateTmp=no", "InaccessiblePaths=\(secrets.path)"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let privateTmp = try XCTUnwrap(try run(secret, in: "private", on: client), "PrivateTmp= hides the shared /tmp")
        XCTAssertTrue(privateTmp["reason"]?.contains("No such file or directory") ?? false, "\(privateTmp)")
        XCTAssertNil(try run(secret, in: "shared", on: client), "with PrivateTmp=no the file is readable")
        let hidden = try XCTUnwrap(try run(secret, in: "hidden", on: client), "InaccessiblePaths= hides the directory")
        XCTAssertTrue(hidden["reason"]?.contains("Permission denied") ?? false, "\(hidden)")
    }

    func testPrivateTmpIsAnEmptyTmpfsOfEachAttemptsOwn() throws {
        let shared = "/tmp/\(pool.marker)"
        try "shared".write(toFile: shared, atomically: true, encoding: .utf8)
        defer { unlink(shared) }
        let handler = try pool.handler("tmp.sh", """
            n=$(cat)
            { ls -A /tmp | wc -l; ls -A /var/tmp | wc -l; stat -f -c %T /tmp; } > "$OUT/seen.$n"
            echo "$n" > /tmp/$MARKER && echo "$n" > /var/tmp/$MARKER && cat /tmp/$MARKER >> "$OUT/seen.$n"
            """)
        try queue("scratch", handler: handler)
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        XCTAssertNil(try run("1", in: "scratch", on: client), "the handler wrote to its /tmp and /var/tmp")
        XCTAssertNil(try run("2", in: "scratch", on: client))
        // Empty at each start (the shared /tmp holds this test's file, the
        // private one not even the previous attempt's), a tmpfs, writable.
        XCTAssertEqual(pool.lines("seen.1"), ["0", "0", "tmpfs", "1"])
        XCTAssertEqual(pool.lines("seen.2"), ["0", "0", "tmpfs", "2"])
        XCTAssertEqual(try String(contentsOfFile: shared, encoding: .utf8), "shared", "the shared /tmp is untouched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/tmp/\(pool.marker)"))
    }

    /// Runs mount(8) with `arguments`, which must succeed.
    private func mount(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "mount \(arguments)")
    }

    func testARootHandlerKeepsRootAndItsMountsStayItsOwn() throws {
        // A shared mount, as systemd makes every mount: what a handler mounts
        // beneath it would show here too, unless its namespace is a slave.
        let sharedMount = try TestScratch.handlerDirectory()
        try mount("-t", "tmpfs", "tmpfs", sharedMount.path)
        defer { umount2(sharedMount.path, Int32(MNT_DETACH)) }
        try mount("--make-shared", sharedMount.path)
        let covered = sharedMount.appendingPathComponent("covered")
        try FileManager.default.createDirectory(at: covered, withIntermediateDirectories: false)
        try "kept".write(to: covered.appendingPathComponent("kept"), atomically: true, encoding: .utf8)
        let shared = "/tmp/\(pool.marker)"
        try "shared".write(toFile: shared, atomically: true, encoding: .utf8)
        defer { unlink(shared) }
        let handler = try pool.handler("root.sh", """
            cat > /dev/null
            { id -u; awk '{ print $3 }' /proc/self/uid_map; ls -A /tmp | wc -l; ls -A '\(covered.path)' | wc -l; } > "$OUT/root"
            echo mine > /tmp/mine.$MARKER
            """)
        try pool.queue("root", [
            "Tube=root", "ExecStart=\(handler)", "User=root", "MaxAttempts=1", "TemporaryFileSystem=\(covered.path)",
        ])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        XCTAssertNil(try run("x", in: "root", on: client))
        // Root of the machine's own user namespace (all 2^32 ids mapped), not
        // of one of its own; an empty /tmp and an empty directory over `covered`.
        XCTAssertEqual(pool.lines("root"), ["0", "4294967295", "0", "0"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: covered.path), ["kept"], "no tmpfs propagated back")
        XCTAssertEqual(try String(contentsOfFile: shared, encoding: .utf8), "shared")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/mine.\(pool.marker)"))
    }

    /// A directory (0755) holding one file, `kept`, for a tmpfs to cover.
    private static func directoryToCover() throws -> URL {
        let directory = try TestScratch.handlerDirectory()
        chmod(directory.path, 0o755)
        try "kept".write(to: directory.appendingPathComponent("kept"), atomically: true, encoding: .utf8)
        return directory
    }

    func testTemporaryFileSystemPutsAnEmptyDirectoryOverOne() throws {
        let hidden = try Self.directoryToCover()
        let handler = try pool.handler("cover.sh", """
            tube=$(cat)
            ls -A '\(hidden.path)' | wc -l > "$OUT/listing.$tube"
            echo new > '\(hidden.path)/new' && cat '\(hidden.path)/new' > "$OUT/wrote.$tube"
            """)
        try queue("cover", handler: handler, ["TemporaryFileSystem=\(hidden.path)"])
        // Owned by root, mode 0755 unless mode= says otherwise, as systemd's.
        try queue("scratch", handler: handler, [
            "TemporaryFileSystem=\(hidden.path):mode=1777", "ReadWritePaths=\(hidden.path) \(pool.root.path)",
        ])
        try queue("readonly", handler: handler, [
            "TemporaryFileSystem=\(hidden.path):ro", "ReadWritePaths=\(hidden.path) \(pool.root.path)",
        ])
        try queue("missing", handler: handler, ["TemporaryFileSystem=/nonexistent/\(pool.marker)"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)

        let covered = try XCTUnwrap(try run("cover", in: "cover", on: client), "read-only but where ReadWritePaths= says")
        XCTAssertTrue(covered["reason"]?.contains("Permission denied") ?? false, "\(covered)")
        XCTAssertNil(try run("scratch", in: "scratch", on: client), "writable with ReadWritePaths=")
        let readOnly = try XCTUnwrap(try run("readonly", in: "readonly", on: client), ":ro mounts it read-only")
        XCTAssertTrue(readOnly["reason"]?.contains("Read-only file system") ?? false, "\(readOnly)")
        XCTAssertEqual(["cover", "scratch", "readonly"].map { pool.lines("listing.\($0)") }, [["0"], ["0"], ["0"]], "empty each time")
        XCTAssertEqual(pool.lines("wrote.scratch"), ["new"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: hidden.path), ["kept"], "nothing reached the directory beneath")

        let missing = try XCTUnwrap(try run("x", in: "missing", on: client))
        XCTAssertEqual(missing["state"], "buried")
        XCTAssertTrue(
            missing["reason"]?.contains("mounting a tmpfs on /nonexistent/\(pool.marker): No such file or directory") ?? false,
            "\(missing)")
    }

    /// A spoold that is not root makes each handler's mount namespace in a
    /// user namespace of the handler's own, but only for a queue that names
    /// `TemporaryFileSystem=`: there /tmp is a tmpfs of its own too, the
    /// handler's ids are its only ones, it has no capability, and nothing
    /// it mounts or writes reaches the real directories. A queue without it
    /// has the shared /tmp hidden. Run as `nobody` (the handlers' own user),
    /// and as a service user with the packaged unit's three capabilities,
    /// whose handlers run as `nobody`.
    func testWithoutRootTemporaryFileSystemTakesAUserNamespace() throws {
        let hidden = try Self.directoryToCover()
        let handler = try pool.handler("ns.sh", """
            n=$(cat)
            { id -u; id -G; awk '{ print $1, $2, $3 }' /proc/self/uid_map; ls -A '\(hidden.path)' | wc -l; stat -f -c %T /tmp; ls -A /tmp | wc -l; awk '/^CapEff/ { print $2 }' /proc/self/status; } > "$OUT/seen.$n"
            echo "$n" > '\(hidden.path)/new.'$n && echo "$n" > /tmp/$MARKER.$n && cat /tmp/$MARKER.$n >> "$OUT/seen.$n"
            """)
        try queue("covered", handler: handler, [
            "TemporaryFileSystem=\(hidden.path):mode=1777", "ReadWritePaths=\(hidden.path) \(pool.root.path)",
        ])
        try queue("hidden", handler: try pool.handler("ls.sh", "cat > /dev/null; ls -A /tmp > /dev/null"))
        let arguments = ["--queues-directory", pool.queues.path, "--worker-stop-timeout", "1"]
        for (name, server) in [
            ("nobody", try ServerProcess.spooldAsNobody(arguments)),
            ("service", try ServerProcess.spooldAsServiceUser(arguments)),
        ] {
            let client = try JobClient(port: server.port)
            XCTAssertNil(try run(name, in: "covered", on: client), "\(name): the handler ran in its namespaces")
            XCTAssertEqual(pool.lines("seen.\(name)"), ["65534", "65534", "65534 65534 1", "0", "tmpfs", "0", "0000000000000000", name])
            let outcome = try run(name, in: "hidden", on: client)
            if FileSystemRules.abi > 0 {
                XCTAssertTrue(outcome?["reason"]?.contains("/tmp': Permission denied") ?? false, "/tmp is out of reach: \(outcome ?? [:])")
            } else {
                XCTAssertNil(outcome, "without Landlock nothing hides /tmp, as spoolctl sandbox says")
            }
            XCTAssertEqual(server.stop(), 0, name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: hidden.path), ["kept"], "nothing reached the directory beneath")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/\(pool.marker).nobody"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/\(pool.marker).service"))
    }

    func testWithoutRootEachWorkerGetsATemporaryDirectoryEmptiedForEachAttempt() throws {
        // The first attempt leaves a tree its owner cannot change (0500)
        // with a file deep in it; the second must find the directory empty.
        let handler = try pool.handler("tmpdir.sh", """
            n=$(cat)
            { printf '%s\\n' "$TMPDIR"; ls -A "$TMPDIR" | wc -l; } > "$OUT/seen.$n"
            mkdir -p "$TMPDIR/a/b/c" && echo "$n" > "$TMPDIR/a/b/c/f" && echo "$n" > "$TMPDIR/top" && chmod 500 "$TMPDIR/a/b"
            cat "$TMPDIR/top" >> "$OUT/seen.$n"
            """)
        try queue("scratch", handler: handler)
        try queue("snoop", handler: try pool.handler("snoop.sh", "ls -A \"$(cat)\" > /dev/null"))
        let server = try ServerProcess.spooldAsNobody(["--queues-directory", pool.queues.path])
        let client = try JobClient(port: server.port)
        XCTAssertNil(try run("1", in: "scratch", on: client), "the handler wrote to its TMPDIR")
        XCTAssertNil(try run("2", in: "scratch", on: client))
        let first = pool.lines("seen.1")
        guard FileSystemRules.abi > 0 else {
            // Nothing hides the shared /tmp: the handlers use it, as spoolctl sandbox says.
            XCTAssertEqual(first, ["", "0"])
            return
        }
        let directory = try XCTUnwrap(first.first)
        XCTAssertTrue(directory.contains("/spoold-handlers."), directory)
        XCTAssertEqual(first, [directory, "0", "1"])
        XCTAssertEqual(pool.lines("seen.2"), [directory, "0", "2"], "the worker's directory, emptied of all the first attempt left")
        let snooped = try XCTUnwrap(try run(directory, in: "snoop", on: client), "another queue's handler cannot list it")
        XCTAssertTrue(snooped["reason"]?.contains("Permission denied") ?? false, "\(snooped)")
        XCTAssertEqual(server.stop(), 0)
        let base = (directory as NSString).deletingLastPathComponent
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "spoold removes what it made when it stops")
    }

    func testAHandlerCannotSignalSpooldEvenAsItsUser() throws {
        // spoold runs as nobody, as its handlers: only Landlock's signal
        // scope (ABI 6, Linux 6.12) keeps them from stopping spoold (their
        // parent) or the next attempt's child before its execve.
        try queue("signals", handler: try pool.handler("signal.sh", "cat > /dev/null; kill -0 $PPID"))
        let server = try ServerProcess.spooldAsNobody(["--queues-directory", pool.queues.path])
        let client = try JobClient(port: server.port)
        let outcome = try run("x", in: "signals", on: client)
        if FileSystemRules.abi >= 6 {
            XCTAssertTrue(outcome?["reason"]?.contains("Operation not permitted") ?? false, "\(outcome ?? [:])")
        } else {
            XCTAssertNil(outcome, "without the scope the same user may signal spoold")
        }
    }

    func testAnUnknownGroupFailsTheFileAtLoad() throws {
        let handler = try pool.handler("true.sh", "exit 0")
        try queue("typo", handler: handler, ["SystemCallFilter=@system-servce"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        client.use("typo")
        let id = try XCTUnwrap(client.putID("x"))
        XCTAssertTrue(Deadline.poll(for: 5) { server.outputSoFar.contains("systemd knows no group @system-servce") }, server.outputSoFar)
        XCTAssertEqual(client.stats("stats-job \(id)")["state"], "ready", "no pool serves the tube")
    }
}

/// `spoolctl sandbox`: each queue's effective sandbox and its exposure.
final class SandboxReportTests: XCTestCase {
    func testTheReportRatesTheDefaultAndAWideOpenQueue() throws {
        let pool = try PoolFixture()
        defer { pool.remove() }
        try pool.queue("strict", ["Tube=strict", "ExecStart=/bin/true", "LimitAS=1G", "LimitNPROC=64"])
        try pool.queue("bounded", [
            "Tube=bounded", "ExecStart=/bin/true", "LimitAS=1G", "LimitNPROC=64", "MemoryMax=256M", "TasksMax=32",
        ])
        try pool.queue("open", [
            "Tube=open", "ExecStart=/bin/true", "User=root", "SystemCallFilter=@system-service", "PrivateNetwork=no",
            "RestrictNamespaces=no",
        ])
        let text = try SpoolctlFixture.run(["sandbox", "--queues-directory", pool.queues.path])
        XCTAssertEqual(text.status, 0, text.stderr)
        // Weights out of 14: 2 (user, system calls, network), 1.5 (writable
        // paths; cgroup limits), 1 (the rest). The strict queue is exposed
        // by its missing cgroup limits (1.5), the bounded one by nothing,
        // the open one by 10.5.
        XCTAssertTrue(text.stdout.contains("→ Overall exposure level for strict: 1.1 SAFE"), text.stdout)
        XCTAssertTrue(text.stdout.contains("→ Overall exposure level for bounded: 0.0 SAFE"), text.stdout)
        let cgroupRows = text.stdout.split(separator: "\n").filter { $0.contains("MemoryMax=, TasksMax=, CPUQuota=") }
        XCTAssertEqual(cgroupRows.map { $0.hasPrefix("✓") && $0.contains("256M, 32, -") }, [true, false, false], "\(cgroupRows)")
        XCTAssertTrue(text.stdout.contains("→ Overall exposure level for open: 7.5 EXPOSED"), text.stdout)
        let network = text.stdout.split(separator: "\n").filter { $0.contains("PrivateNetwork=") }
        XCTAssertEqual(network.map { $0.hasPrefix("✗") }, [false, true, false], "bounded, open, then strict: \(network)")

        let json = try SpoolctlFixture.run(["sandbox", "--queues-directory", pool.queues.path, "--json", "strict"])
        let reports = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports.first?["level"] as? String, "SAFE")
        let settings = try XCTUnwrap(reports.first?["settings"] as? [[String: Any]])
        let filter = try XCTUnwrap(settings.first { $0["key"] as? String == "SystemCallFilter=" })
        XCTAssertEqual(filter["value"] as? String, "@system-service ~@privileged")
        XCTAssertEqual(filter["protects"] as? Bool, true)

        let missing = try SpoolctlFixture.run(["sandbox", "--queues-directory", pool.queues.path, "nothing"])
        XCTAssertEqual(missing.status, 4, missing.stderr)
    }
}
