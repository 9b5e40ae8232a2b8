import Foundation
import ProcessSupervisor
import SpoolTestSupport
import XCTest

/// Handler programs written by the tests, run the way the worker pool runs
/// them: outcomes, input and output, timeouts, isolation and limits.
final class HandlerProcessTests: XCTestCase {
    private var handlers: HandlerDirectory!

    override func setUpWithError() throws {
        handlers = try HandlerDirectory()
    }

    override func tearDownWithError() throws {
        try handlers.remove()
    }

    // MARK: Outcomes

    func testASuccessfulHandlerGetsTheBodyAndItsEnvironmentOnly() async throws {
        let program = try handlers.program(
            "echo-job",
            """
            printf '%s %s %s %s\\n' "$SPOOL_JOB_ID" "$SPOOL_TUBE" "$SPOOL_ATTEMPT" "$SPOOL_PRIORITY"
            printf '%s, %s\\n' "$GREETING" "${HOME-no HOME}"
            /bin/cat
            echo finished >&2
            """)
        let command = try handlers.command(
            program, ["Environment=GREETING=hello"], jobID: 42, attempt: 3, priority: 1024)
        let result = await HandlerProcess(command: command, timeout: .seconds(2)).run(input: Array("the body\n".utf8))
        XCTAssertEqual(result.outcome, .exited(0))
        XCTAssertEqual(text(result.standardOutput), "42 mail 3 1024\nhello, no HOME\nthe body\n")
        XCTAssertEqual(text(result.standardError), "finished\n")
        XCTAssertFalse(result.standardOutput.isTruncated)
        XCTAssertEqual(result.standardOutput.byteCount, 39)
        XCTAssertGreaterThan(result.duration, .zero)
        XCTAssertLessThan(result.duration, .seconds(2))
    }

    func testExitStatusesAreReported() async throws {
        for status: Int32 in [75, 1, 255] {
            let program = try handlers.program("exit-\(status)", "echo trying; exit \(status)")
            let result = try await run(program)
            XCTAssertEqual(result.outcome, .exited(status))
            XCTAssertEqual(text(result.standardOutput), "trying\n")
        }
    }

    func testAHandlerKilledByASignalReportsIt() async throws {
        let program = try handlers.program("crash", "kill -SEGV $$")
        let result = try await run(program)
        XCTAssertEqual(result.outcome, .signaled(SIGSEGV))
    }

    // MARK: Timeouts

    func testATimeoutKillsTheHandlerAndWhatItStarted() async throws {
        let program = try handlers.program(
            "hang",
            """
            /bin/sleep 30 &
            echo $$ $!
            /bin/sleep 30
            """)
        let result = try await run(program, timeout: .milliseconds(500), killGracePeriod: .seconds(2))
        XCTAssertEqual(result.outcome, .timedOut)
        // SIGTERM ends this handler: no need to wait for the grace period.
        XCTAssertGreaterThanOrEqual(result.duration, .milliseconds(500))
        XCTAssertLessThan(result.duration, .milliseconds(1_500))
        let pids = text(result.standardOutput).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        XCTAssertEqual(pids.count, 2, text(result.standardOutput))
        guard let handler = pids.first, let background = pids.last else { return }
        XCTAssertFalse(ProcessTable.exists(handler), "the handler was reaped: it is not even a zombie")
        try await assertGroupEnds(handler)
        XCTAssertFalse(ProcessTable.liveMembers(ofGroup: handler).contains(background))
    }

    func testAHandlerThatIgnoresSIGTERMGetsSIGKILLAfterTheGracePeriod() async throws {
        let program = try handlers.program(
            "stubborn",
            """
            trap 'echo caught TERM' TERM
            echo $$
            while :; do /bin/sleep 0.05; done
            """)
        let result = try await run(program, timeout: .milliseconds(300), killGracePeriod: .milliseconds(500))
        XCTAssertEqual(result.outcome, .timedOut)
        XCTAssertTrue(text(result.standardOutput).contains("caught TERM\n"), text(result.standardOutput))
        XCTAssertGreaterThanOrEqual(result.duration, .milliseconds(800))
        XCTAssertLessThan(result.duration, .seconds(2))
        guard let handler = Int32(text(result.standardOutput).prefix { $0 != "\n" }) else {
            return XCTFail("no pid in \(text(result.standardOutput))")
        }
        try await assertGroupEnds(handler)
    }

    func testTheProcessesAHandlerLeavesBehindAreKilledWhenItExits() async throws {
        let program = try handlers.program("daemonize", "/bin/sleep 30 &\necho $$")
        let result = try await run(program)
        XCTAssertEqual(result.outcome, .exited(0))
        // The background sleep held the output pipe open: the attempt did not wait for it.
        XCTAssertLessThan(result.duration, .seconds(1))
        guard let handler = Int32(text(result.standardOutput).prefix { $0 != "\n" }) else {
            return XCTFail("no pid in \(text(result.standardOutput))")
        }
        try await assertGroupEnds(handler)
    }

    // MARK: Input and output

    func testHugeOutputIsCountedButOnlyItsBeginningKept() async throws {
        let program = try handlers.program(
            "flood", "/usr/bin/head -c 50000000 /dev/zero\n/usr/bin/head -c 3000000 /dev/zero >&2")
        let peakBefore = PeakMemory.bytes
        let result = try await run(program)
        XCTAssertEqual(result.outcome, .exited(0))
        XCTAssertEqual(result.standardOutput.bytes, [UInt8](repeating: 0, count: 65_536))
        XCTAssertEqual(result.standardOutput.byteCount, 50_000_000)
        XCTAssertTrue(result.standardOutput.isTruncated)
        XCTAssertEqual(result.standardError.bytes.count, 65_536)
        XCTAssertEqual(result.standardError.byteCount, 3_000_000)
        // Buffering the flood would have raised the peak by 50 MB.
        XCTAssertLessThan(PeakMemory.bytes - peakBefore, 16 << 20)
    }

    func testTheOutputLimitIsTheCallers() async throws {
        let program = try handlers.program("alphabet", "printf abcdefghijklmnopqrstuvwxyz")
        let command = try handlers.command(program)
        let result = await HandlerProcess(command: command, timeout: .seconds(2), outputLimit: 5).run(input: [])
        XCTAssertEqual(text(result.standardOutput), "abcde")
        XCTAssertEqual(result.standardOutput.byteCount, 26)
        XCTAssertTrue(result.standardOutput.isTruncated)
    }

    func testALargeBodyReachesAHandlerThatReadsIt() async throws {
        let program = try handlers.program("count", "/usr/bin/wc -c")
        let result = try await run(program, input: [UInt8](repeating: 0x61, count: 10 << 20))
        XCTAssertEqual(result.outcome, .exited(0))
        XCTAssertEqual(text(result.standardOutput), "10485760\n")
    }

    func testAHandlerThatNeverReadsItsBodyStillCompletes() async throws {
        let body = [UInt8](repeating: 0x61, count: 10 << 20)
        let deaf = try handlers.program("deaf", "/bin/sleep 0.2\necho done")
        let ignored = try await run(deaf, input: body)
        XCTAssertEqual(ignored.outcome, .exited(0))
        XCTAssertEqual(text(ignored.standardOutput), "done\n")
        XCTAssertLessThan(ignored.duration, .seconds(1))
        let closing = try handlers.program("closing", "exec 0<&-\n/bin/sleep 0.2\necho done")
        let closed = try await run(closing, input: body)
        XCTAssertEqual(closed.outcome, .exited(0))
        XCTAssertEqual(text(closed.standardOutput), "done\n")
        XCTAssertLessThan(closed.duration, .seconds(1))
    }

    /// Standard input is a file that holds the whole body before the handler
    /// starts (so no handler reads part of a body, even if spoold dies as it
    /// starts), sealed: the handler can read it again but cannot change it.
    func testTheBodyIsASealedFileThatHoldsItAllFromTheStart() async throws {
        let program = try handlers.program("sealed", """
            stat -L -c 'size=%s' /dev/stdin
            head -c 5 /dev/stdin; echo
            if printf x 2>/dev/null >>/dev/stdin; then echo written; else echo refused; fi
            cat
            """)
        let result = try await run(program, input: Array("hello, sealed world".utf8))
        XCTAssertEqual(result.outcome, .exited(0))
        XCTAssertEqual(text(result.standardOutput), "size=19\nhello\nrefused\nhello, sealed world")
    }

    // MARK: Isolation

    func testTheHandlerRunsIsolated() async throws {
        // A descriptor without close-on-exec, as a careless library might leave
        // one: the handler must not get it.
        let leaked = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThan(leaked, 2)
        defer { close(leaked) }
        // Ignored in spoold, SIGUSR1 must not be in the handler; nor the signals
        // spoold blocks while it starts the handler.
        let previousHandler = signal(SIGUSR1, SIG_IGN)
        defer { signal(SIGUSR1, previousHandler) }
        let program = try handlers.program(
            "inspect",
            """
            set -- $(/bin/cat /proc/$$/stat)
            [ "$5" = "$$" ] && echo "own process group"
            /bin/pwd
            # Read by the shell itself: dash blocks every signal for a moment
            # while it waits for a child, such as a grep reading this file.
            while read -r line; do
                case $line in NoNewPrivs:* | SigBlk:* | SigIgn:*) echo "$line" ;; esac
            done < /proc/$$/status
            exec /bin/ls /proc/self/fd
            """)
        let result = try await run(program)
        XCTAssertEqual(result.outcome, .exited(0))
        XCTAssertEqual(
            text(result.standardOutput),
            """
            own process group
            \(handlers.path)
            SigBlk:\t0000000000000000
            SigIgn:\t0000000000000000
            NoNewPrivs:\t1
            0
            1
            2
            3

            """)
    }

    func testAHandlerRunsAsNobody() async throws {
        guard getuid() == 0 else { return XCTFail("only root can run a handler as another user: run the tests as root, as CI does") }
        let nobody = try XCTUnwrap(getpwnam("nobody")).pointee
        let program = try handlers.program("whoami", "/usr/bin/id -u\n/usr/bin/id -g\n/usr/bin/id -G")
        let result = try await run(program, user: "nobody")
        XCTAssertEqual(result.outcome, .exited(0))
        XCTAssertEqual(text(result.standardOutput), "\(nobody.pw_uid)\n\(nobody.pw_gid)\n\(nobody.pw_gid)\n")
    }

    func testAnUnknownUserOrGroupFailsWithoutStartingAnything() async throws {
        let marker = "\(handlers.path)/started"
        let program = try handlers.program("touch", "/usr/bin/touch \(marker)")
        let unknownUser = try await run(program, user: "no-such-user-spool")
        XCTAssertEqual(unknownUser.outcome, .failedToStart("unknown user \"no-such-user-spool\""))
        let command = try handlers.command(program, ["Group=no-such-group-spool"])
        let unknownGroup = await HandlerProcess(command: command, timeout: .seconds(2)).run(input: [])
        XCTAssertEqual(unknownGroup.outcome, .failedToStart("unknown group \"no-such-group-spool\""))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    /// Cgroup limits without a cgroup to enforce them in run nothing.
    func testCgroupLimitsWithoutACgroupStartNothing() async throws {
        let marker = "\(handlers.path)/started"
        let program = try handlers.program("touch", "/usr/bin/touch \(marker)")
        var command = try handlers.command(program)
        command.cgroupLimits = CgroupLimits(memoryMax: 64 << 20, tasksMax: 8)
        let result = await HandlerProcess(command: command, timeout: .seconds(2)).run(input: [])
        XCTAssertEqual(result.outcome, .failedToStart("MemoryMax=, TasksMax= cannot be enforced: no cgroup was given"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testStartFailuresNameTheStepAndTheError() async throws {
        let notExecutable = try handlers.program("plain", "exit 0", executable: false)
        let denied = try await run(notExecutable)
        XCTAssertEqual(denied.outcome, .failedToStart("execve: Permission denied"))
        let missing = try await run("\(handlers.path)/missing")
        XCTAssertEqual(missing.outcome, .failedToStart("execve: No such file or directory"))
        let program = try handlers.program("true", "exit 0")
        let noDirectory = try handlers.command(program, workingDirectory: "\(handlers.path)/gone")
        let chdirFailure = await HandlerProcess(command: noDirectory, timeout: .seconds(2)).run(input: [])
        XCTAssertEqual(chdirFailure.outcome, .failedToStart("chdir: No such file or directory"))
        // Above fs.nr_open (2^20 by default), even root may not raise the limit.
        let tooManyFiles = try handlers.command(program, ["LimitNOFILE=2000000"])
        let limitFailure = await HandlerProcess(command: tooManyFiles, timeout: .seconds(2)).run(input: [])
        XCTAssertEqual(limitFailure.outcome, .failedToStart("setrlimit(RLIMIT_NOFILE): Operation not permitted"))
    }

    func testTheProcessLimitContainsAForkBomb() async throws {
        guard getuid() == 0 else {
            return XCTFail("only root can run a handler as another user (root itself ignores RLIMIT_NPROC): run the tests as root, as CI does")
        }
        // Perl, because a shell gives up at its first failed fork. The handler
        // waits for the children it got, so none outlives the test.
        let program = try handlers.program(
            "fork-bomb",
            """
            #!/usr/bin/perl
            my ($started, $failed) = (0, 0);
            for (1 .. 50) {
                my $pid = fork;
                if (!defined $pid) { $failed++ }
                elsif ($pid == 0) { select(undef, undef, undef, 0.3); exit 0 }
                else { $started++ }
            }
            1 while wait != -1;
            print "started $started failed $failed\\n";
            """)
        let result = try await run(program, ["LimitNPROC=5"], user: "nobody")
        XCTAssertEqual(result.outcome, .exited(0))
        let counts = text(result.standardOutput).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        XCTAssertEqual(counts.count, 2, text(result.standardOutput))
        guard counts.count == 2 else { return }
        // The handler is one of nobody's five processes.
        XCTAssertLessThanOrEqual(counts[0], 4)
        XCTAssertEqual(counts[0] + counts[1], 50)
    }

    func testAttemptsLeaveNoDescriptorOrChildBehind() async throws {
        let descriptorsBefore = try openDescriptors()
        let success = try handlers.program("true", "exit 0")
        let hang = try handlers.program("hang", "/bin/sleep 30")
        let notExecutable = try handlers.program("plain", "exit 0", executable: false)
        for _ in 0..<3 {
            let outcomes = [
                try await run(success, input: Array("body".utf8)).outcome,
                try await run(hang, timeout: .milliseconds(100), killGracePeriod: .milliseconds(100)).outcome,
                try await run(notExecutable).outcome,
                try await run(success, user: "no-such-user-spool").outcome,
            ]
            XCTAssertEqual(
                outcomes,
                [
                    .exited(0), .timedOut, .failedToStart("execve: Permission denied"),
                    .failedToStart("unknown user \"no-such-user-spool\""),
                ])
        }
        XCTAssertEqual(try openDescriptors(), descriptorsBefore)
        XCTAssertEqual(ProcessTable.children(of: getpid()), [], "children of the test, zombies included")
    }

    /// A tree of `depth` directories beneath `root`, each with a file, plus
    /// a directory its owner locked itself out of and links to `outside`;
    /// all of it owned by `nobody`, as a handler would leave it.
    private func leftovers(in root: String, depth: Int, outside: String) throws {
        let deep = root + "/" + Array(repeating: "d", count: depth).joined(separator: "/")
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        try "deep".write(toFile: "\(deep)/file", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(root)/locked/inner", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/link", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/locked/inner/link", withDestinationPath: "\(outside)/file")
        let chown = Process()
        chown.executableURL = URL(fileURLWithPath: "/bin/chown")
        chown.arguments = ["-R", "-h", "nobody", root]
        try chown.run()
        chown.waitUntilExit()
        XCTAssertEqual(chown.terminationStatus, 0)
        chmod("\(root)/locked", 0)
    }

    func testTheTemporaryDirectoryIsEmptiedBeforeTheHandlerStartsAsItsUser() async throws {
        let scratch = "\(handlers.path)/scratch"
        let outside = "\(handlers.path)/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
        try "kept".write(toFile: "\(outside)/file", atomically: false, encoding: .utf8)
        try leftovers(in: scratch, depth: 60, outside: outside)
        let program = try handlers.program("list", "ls -A \"$1\" | wc -l; grep ^Uid: /proc/self/status")
        // As nobody, started by this root process: the child empties the
        // directory as nobody (its effective user), then becomes nobody wholly.
        var command = try handlers.command(program, [], user: "nobody")
        command.arguments.append(scratch)
        command.temporaryDirectory = scratch
        let result = await HandlerProcess(command: command, timeout: .seconds(10)).run(input: [])
        XCTAssertEqual(result.outcome, .exited(0), text(result.standardError))
        let nobody = getpwnam("nobody")!.pointee.pw_uid
        XCTAssertEqual(text(result.standardOutput), "0\nUid:\t\(nobody)\t\(nobody)\t\(nobody)\t\(nobody)\n", "empty when the handler starts")
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch), "the directory itself stays")
        XCTAssertEqual(try String(contentsOfFile: "\(outside)/file", encoding: .utf8), "kept", "links are removed, not followed")

        try leftovers(in: scratch, depth: 70, outside: outside)
        let deep = await HandlerProcess(command: command, timeout: .seconds(10)).run(input: [])
        XCTAssertEqual(deep.outcome, .failedToStart(
            "emptying its temporary directory \(scratch): what the last attempt left is more than 64 directories deep"))
        XCTAssertTrue(deep.temporaryDirectoryFailed)

        command.temporaryDirectory = "\(handlers.path)/missing"
        let missing = await HandlerProcess(command: command, timeout: .seconds(2)).run(input: [])
        XCTAssertEqual(missing.outcome, .failedToStart("emptying its temporary directory \(handlers.path)/missing: No such file or directory"))
        XCTAssertTrue(missing.temporaryDirectoryFailed)
        command.temporaryDirectory = nil
        command.arguments[0] = "\(handlers.path)/no-such-program"
        let other = await HandlerProcess(command: command, timeout: .seconds(2)).run(input: [])
        XCTAssertEqual(other.outcome, .failedToStart("execve: No such file or directory"))
        XCTAssertFalse(other.temporaryDirectoryFailed, "another step's failure leaves the directory in use")
    }

    func testSpooldRemovesWhatItMayOfADirectoryAndNothingOutside() throws {
        let scratch = "\(handlers.path)/scratch"
        let outside = "\(handlers.path)/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
        try "kept".write(toFile: "\(outside)/file", atomically: false, encoding: .utf8)
        try leftovers(in: scratch, depth: 20, outside: outside)
        chmod("\(scratch)/locked", 0o700)
        // As spoold makes it: its own, 1777 (nobody owns it here, as spoold
        // it is not, and it stays).
        let notOwn = HandlerTemporaryDirectory(path: scratch, landlock: nil)
        notOwn.remove()
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(scratch)/locked/inner"), "not spoold's: left alone")
        XCTAssertEqual(chown(scratch, getuid(), getgid()), 0)
        XCTAssertEqual(chmod(scratch, 0o1777), 0)
        notOwn.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch), "all of it goes")
        XCTAssertEqual(try String(contentsOfFile: "\(outside)/file", encoding: .utf8), "kept", "links are removed, not followed")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: outside)[.posixPermissions] as? Int, 0o755, "no mode changed outside")
    }

    // MARK: Concurrency

    func testAttemptsRunConcurrentlyWithoutHoldingTheCooperativePool() async throws {
        let program = try handlers.program("nap", "/bin/sleep 0.5")
        let command = try handlers.command(program)
        let started = ContinuousClock.now
        let outcomes = await withTaskGroup(of: AttemptOutcome.self) { group in
            for _ in 0..<8 {
                group.addTask { await HandlerProcess(command: command, timeout: .seconds(2)).run(input: []).outcome }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(outcomes, Array(repeating: .exited(0), count: 8))
        // Blocking the pool's threads (as many as cores) would have run them a few at a time.
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1_500))
    }

    // MARK: Helpers

    private func run(
        _ program: String, _ lines: [String] = [], user: String = HandlerDirectory.currentUser, input: [UInt8] = [],
        timeout: Duration = .seconds(2), killGracePeriod: Duration = .seconds(1)
    ) async throws -> AttemptResult {
        let command = try handlers.command(program, lines, user: user)
        return await HandlerProcess(command: command, timeout: timeout, killGracePeriod: killGracePeriod).run(
            input: input)
    }

    /// The descriptors the test process has open.
    private func openDescriptors() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))
    }

    private func text(_ output: CapturedOutput) -> String {
        String(decoding: output.bytes, as: UTF8.self)
    }
}
