import Foundation
import SpoolTestSupport
import XCTest

/// spoold's worker pool end to end: the real binary with a queue directory,
/// running real handler programs (/bin/sh scripts that leave marker files),
/// driven and checked through the protocol, the log and /proc.
final class WorkerPoolTests: XCTestCase {
    /// The spoolds the test started, stopped (and their logs printed when it failed) in tearDown.
    private var servers: [ServerProcess] = []
    private var fixtures: [PoolFixture] = []

    override func tearDown() {
        // hasSucceeded is false until the run stops, which is after tearDown.
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        for server in servers {
            server.stop()
            if failed { print("--- spoold log (port \(server.port)) ---\n\(server.outputSoFar)--- end of log ---") }
        }
        servers = []
        for fixture in fixtures {
            // Whatever a failed test left running (each was started by this test).
            for pid in ProcessTable.liveProcesses(withArgument: fixture.marker) { kill(pid, SIGKILL) }
            fixture.remove()
        }
        fixtures = []
        super.tearDown()
    }

    // MARK: Outcomes of attempts

    /// Every job put over the protocol runs once, as `nobody`, with its body on
    /// standard input, SPOOL_* and `Environment=` in its environment and
    /// `WorkingDirectory=` as its directory; then it is deleted. Pool workers
    /// are not connections.
    func testEachJobRunsOnceAsNobodyWithItsEnvironmentThenIsDeleted() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("record.sh", """
            f="$OUT/job-$SPOOL_JOB_ID"
            {
                echo "uid=$(id -u)"
                echo "tube=$SPOOL_TUBE"
                echo "attempt=$SPOOL_ATTEMPT"
                echo "priority=$SPOOL_PRIORITY"
                echo "greeting=$GREETING"
                echo "pwd=$(pwd)"
                echo "body=$(cat)"
            } > "$f.tmp"
            mv "$f.tmp" "$f"
            echo "$SPOOL_JOB_ID" >> "$OUT/runs"
            """)
        try fixture.queue("success", [
            "Tube=pool.success", "ExecStart=\(handler)", "Workers=3", "Environment=\"GREETING=hello there\"",
            "WorkingDirectory=\(fixture.output.path)",
        ])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("pool.success")
        var jobs: [UInt64: (priority: UInt32, body: String)] = [:]
        for index in 0..<8 {
            let priority = UInt32(index * 10 + 1)
            let body = "body of job \(index) with spaces"
            jobs[try XCTUnwrap(client.putID(body, priority: priority))] = (priority, body)
        }
        guard assertEventually("all 8 handlers ran", { fixture.lines("runs").count >= 8 }) else { return }
        assertTubeDrained("pool.success", total: 8, client: client)

        let nobody = try XCTUnwrap(getpwnam("nobody")).pointee.pw_uid
        XCTAssertEqual(nobody, 65534)
        XCTAssertEqual(fixture.lines("runs").sorted(), jobs.keys.sorted().map(String.init), "each job ran exactly once")
        for (id, job) in jobs {
            XCTAssertEqual(fixture.lines("job-\(id)"), [
                "uid=\(nobody)", "tube=pool.success", "attempt=1", "priority=\(job.priority)", "greeting=hello there",
                "pwd=\(fixture.output.path)", "body=\(job.body)",
            ], "job \(id)")
            XCTAssertNil(client.peek(id), "job \(id) is deleted")
            XCTAssertEqual(client.lastReply, "NOT_FOUND")
        }
        let stats = client.stats("stats")
        XCTAssertEqual(stats["current-connections"], "1", "pool workers are not connections")
        XCTAssertEqual(stats["current-workers"], "0", "pool workers are not protocol workers")
        XCTAssertEqual(server.stop(), 0)
    }

    /// A handler that fails its first attempt gets a second one, with
    /// SPOOL_ATTEMPT=2, no sooner than BackoffMin after the first; in
    /// between the job is delayed with the attempt counted and the reason
    /// kept; it is deleted once the second attempt succeeds.
    /// A spoold whose parent ignored SIGCHLD (ignored stays ignored across
    /// execve) still reaps its handlers: the kernel reaped them itself,
    /// waitpid failed and spoold crashed at the first handler's exit.
    func testHandlersRunWhenSpooldWasStartedWithChildSignalsIgnored() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("done.sh", "echo \"$SPOOL_JOB_ID\" >> \"$OUT/runs\"")
        try fixture.queue("sigchld", ["Tube=pool.sigchld", "ExecStart=\(handler)"])
        let server = try fixture.startSpoold(ignoringChildSignals: true)
        servers.append(server)
        assertEventually("spoold loads the queue directory") { server.outputSoFar.contains("[spoold] queues loaded") }
        let client = try JobClient(port: server.port)
        client.use("pool.sigchld")
        let ids = (0..<3).compactMap { client.putID("job \($0)") }
        XCTAssertEqual(ids.count, 3)
        assertEventually("every job ran and was deleted") {
            fixture.lines("runs").count == 3 && ids.allSatisfy { client.peek($0) == nil }
        }
        XCTAssertEqual(client.stats("stats")["current-jobs-ready"], "0", "spoold still serves")
    }

    func testFailedAttemptIsRetriedAfterTheBackoff() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("flaky.sh", """
            echo "$SPOOL_ATTEMPT $(date +%s.%N)" >> "$OUT/attempts"
            if [ "$SPOOL_ATTEMPT" = 1 ]; then
                echo "first attempt fails" >&2
                exit 1
            fi
            exit 0
            """)
        try fixture.queue("retry", [
            "Tube=retry", "ExecStart=\(handler)", "MaxAttempts=3", "BackoffMin=1s", "BackoffMax=1s",
        ])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("retry")
        let id = try XCTUnwrap(client.putID("try me"))

        var between: [String: String] = [:]
        guard assertEventually("the failed job waits for its retry", {
            between = client.stats("stats-job \(id)")
            return between["state"] == "delayed"
        }) else { return }
        XCTAssertEqual(between["attempts"], "1")
        XCTAssertEqual(between["reason"], "\"exit status 1: first attempt fails\"")
        XCTAssertEqual(between["releases"], "1")

        guard assertEventually("the second attempt ran and deleted the job", {
            fixture.lines("attempts").count >= 2 && client.peek(id) == nil && client.lastReply == "NOT_FOUND"
        }) else { return }
        let attempts = fixture.lines("attempts").map { $0.split(separator: " ") }
        XCTAssertEqual(attempts.map { String($0[0]) }, ["1", "2"])
        let times = attempts.compactMap { Double($0[1]) }
        XCTAssertEqual(times.count, 2)
        if times.count == 2 {
            // The backoff starts once the first attempt is over, after its timestamp.
            XCTAssertGreaterThanOrEqual(times[1] - times[0], 0.95, "the retry came before BackoffMin=1s")
        }
        assertTubeDrained("retry", total: 1, client: client)
    }

    /// Exit status 75 asks for a retry however many attempts it took: with
    /// MaxAttempts=1 the job is retried, never buried, until it succeeds.
    func testTemporaryFailureIsRetriedPastMaxAttempts() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("busy.sh", """
            echo "$SPOOL_ATTEMPT" >> "$OUT/attempts"
            [ "$SPOOL_ATTEMPT" -ge 3 ] || exit 75
            """)
        try fixture.queue("tempfail", [
            "Tube=tempfail", "ExecStart=\(handler)", "MaxAttempts=1", "BackoffMin=100ms", "BackoffMax=100ms",
        ])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("tempfail")
        let id = try XCTUnwrap(client.putID("later, please"))
        guard assertEventually("the third attempt deleted the job", {
            client.peek(id) == nil && client.lastReply == "NOT_FOUND"
        }) else { return }
        XCTAssertEqual(fixture.lines("attempts"), ["1", "2", "3"])
        XCTAssertEqual(client.stats("stats-tube tempfail")["current-jobs-buried"], "0")
    }

    /// A handler that always fails runs MaxAttempts times, then its job is
    /// buried with the attempts counted and a reason giving the exit status,
    /// the last line of standard error and the attempt.
    func testAlwaysFailingJobIsBuriedAfterMaxAttemptsWithTheReason() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("broken.sh", """
            echo "$SPOOL_ATTEMPT" >> "$OUT/attempts"
            echo "some noise first" >&2
            echo "attempt $SPOOL_ATTEMPT went wrong" >&2
            exit 3
            """)
        try fixture.queue("broken", [
            "Tube=broken", "ExecStart=\(handler)", "MaxAttempts=3", "BackoffMin=100ms", "BackoffMax=100ms",
        ])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("broken")
        let id = try XCTUnwrap(client.putID("doomed"))
        let stats = assertBuried(id, client: client)
        XCTAssertEqual(stats["attempts"], "3")
        XCTAssertEqual(stats["buries"], "1")
        XCTAssertEqual(stats["reason"], "\"exit status 3: attempt 3 went wrong; attempt 3 of 3\"")
        XCTAssertEqual(fixture.lines("attempts"), ["1", "2", "3"], "three attempts, no more")
        XCTAssertTrue(server.outputSoFar.contains("attempt failed for the last time; job buried"))
    }

    /// A process of the handler's user that stops every process it may
    /// signal (here for 4 s, while 400 attempts start) can catch a
    /// handler's child after it took the handler's user and before its
    /// execve. spoold waited for that execve without end: the worker never
    /// took a job again and spoold never stopped. Now such a child is killed
    /// and its attempt fails; the pool serves on. (Whether the storm hits
    /// that window is chance: it did within seconds in the review that
    /// found it.)
    func testAChildStoppedBeforeItsExecveFailsItsAttemptAndThePoolServesOn() throws {
        let fixture = try makeFixture()
        try fixture.queue("stopped", [
            "Tube=stopped", "ExecStart=/bin/true", "Workers=2", "Timeout=1s", "MaxAttempts=1",
        ])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("stopped")
        let storm = """
            import os, signal, time
            end = time.monotonic() + 4
            while time.monotonic() < end:
                try: os.kill(-1, signal.SIGSTOP)
                except OSError: pass
            """
        let stopper = try Self.runAsNobody(["/usr/bin/python3", "-c", storm])
        // Whatever stays stopped (a child the storm caught, were it not
        // killed) is let go only once the test has looked.
        defer { try? Self.runAsNobody(["/usr/bin/python3", "-c", "import os, signal; os.kill(-1, signal.SIGCONT)"]).waitUntilExit() }
        for index in 0..<400 { client.sendWithoutWaiting("put 0 0 60 1", body: "\(index % 10)") }
        for _ in 0..<400 { XCTAssertTrue(client.awaitReply(timeout: 10).hasPrefix("INSERTED"), "stored") }
        stopper.waitUntilExit()
        let after = try XCTUnwrap(client.putID("after the storm"))
        assertEventually("the pool takes jobs again after the storm", within: 30) { client.peek(after) == nil }
        XCTAssertEqual(server.stop(), 0, "spoold stops")
    }

    /// Starts `arguments` as `nobody`, the handlers' default user.
    private static func runAsNobody(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"] + arguments
        try process.run()
        return process
    }

    /// Past Timeout= the handler's whole process group is stopped, a
    /// background child included; the attempt fails as timed out.
    func testTimeoutStopsTheHandlersWholeProcessGroup() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("slow.sh", """
            echo $$ > "$OUT/pid"
            sh -c 'echo $$ > "$1/child"; sleep 300; true' "$MARKER-child" "$OUT" &
            echo "handler started" >&2
            sleep 300
            """)
        try fixture.queue("slow", ["Tube=slow", "ExecStart=\(handler)", "Timeout=1s", "MaxAttempts=1"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("slow")
        let id = try XCTUnwrap(client.putID("takes forever"))
        guard assertEventually("the handler and its child started", { fixture.exists("pid") && fixture.exists("child") })
        else { return }
        let stats = assertBuried(id, client: client)
        XCTAssertEqual(stats["attempts"], "1")
        XCTAssertEqual(stats["reason"], "\"timed out after 1 s: handler started; attempt 1 of 1\"")
        assertNoProcessLeft(of: fixture)
    }

    /// A handler killed by a signal fails its attempt with the signal in the reason.
    func testHandlerKilledByASignalFailsWithTheSignal() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("crash.sh", """
            ulimit -c 0
            echo "about to crash" >&2
            kill -SEGV $$
            echo "still alive" >&2
            """)
        try fixture.queue("crash", ["Tube=crash", "ExecStart=\(handler)", "MaxAttempts=1"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("crash")
        let id = try XCTUnwrap(client.putID("boom"))
        let reason = assertBuried(id, client: client)["reason"] ?? ""
        XCTAssertTrue(reason.hasPrefix("\"killed by signal 11 ("), reason)
        XCTAssertTrue(reason.hasSuffix("): about to crash; attempt 1 of 1\""), reason)
    }

    /// A handler that writes 10 MB to each of standard output and error: its
    /// job is done, spoold logs 100 lines of each and a "truncated" line, and
    /// its memory stays small all along.
    func testHugeOutputIsCappedAndSpooldStaysSmall() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("chatty.sh", """
            yes "stdout line of a chatty handler" | head -c 10485760
            yes "stderr line of a chatty handler" | head -c 10485760 >&2
            echo done > "$OUT/done"
            """)
        try fixture.queue("chatty", ["Tube=chatty", "ExecStart=\(handler)"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("chatty")
        let id = try XCTUnwrap(client.putID("talk a lot"))
        var peakKiB = 0
        guard assertEventually("the job is done", within: 30, {
            peakKiB = max(peakKiB, server.residentKiB ?? 0)
            return client.peek(id) == nil && client.lastReply == "NOT_FOUND"
        }) else { return }
        XCTAssertTrue(fixture.exists("done"), "the handler wrote everything")
        XCTAssertTrue(server.process.isRunning)
        XCTAssertEqual(client.stats("stats-tube chatty")["total-jobs"], "1", "spoold still answers")
        peakKiB = max(peakKiB, server.residentKiB ?? 0)
        XCTAssertGreaterThan(peakKiB, 0, "no RSS read from /proc")
        XCTAssertLessThan(peakKiB, 200 << 10, "spoold's resident memory")

        var log = ""
        guard assertEventually("the truncation is logged", {
            log = server.outputSoFar
            return log.contains("handler stdout truncated:") && log.contains("handler stderr truncated:")
        }) else { return }
        let logged = log.split(separator: "\n")
        for stream in ["stdout", "stderr"] {
            let lines = logged.filter { $0.contains("stream=\(stream)") && $0.hasSuffix("] \(stream) line of a chatty handler") }
            XCTAssertEqual(lines.count, 100, "\(stream) lines logged")
            XCTAssertTrue(lines.allSatisfy { $0.contains("job_id=\(id)") && $0.contains("tube=chatty") })
        }
        XCTAssertEqual(server.stop(), 0)
    }

    /// A handler that survives SIGTERM at its timeout, its child ignoring
    /// SIGTERM too, is killed with SIGKILL after the 5 s grace period; the
    /// attempt fails and no process is left.
    func testHandlerIgnoringSIGTERMIsKilledAfterTheGracePeriod() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("stubborn.sh", """
            trap 'echo "got SIGTERM, carrying on" >> "$OUT/log"' TERM
            echo $$ > "$OUT/pid"
            sh -c 'trap "" TERM; echo $$ > "$1/child"; sleep 300; true' "$MARKER-child" "$OUT" &
            date +%s.%N > "$OUT/started"
            while :; do sleep 0.1; done
            """)
        try fixture.queue("stubborn", ["Tube=stubborn", "ExecStart=\(handler)", "Timeout=1s", "MaxAttempts=1"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("stubborn")
        let id = try XCTUnwrap(client.putID("will not stop"))
        guard assertEventually("the handler and its child started", { fixture.exists("started") && fixture.exists("child") })
        else { return }
        let stats = assertBuried(id, client: client, within: 20)
        let buriedAt = Date().timeIntervalSince1970
        XCTAssertEqual(stats["attempts"], "1")
        XCTAssertTrue(stats["reason"]?.hasPrefix("\"timed out after 1 s") == true, stats["reason"] ?? "no reason")
        XCTAssertEqual(fixture.lines("log").first, "got SIGTERM, carrying on", "the handler got SIGTERM and went on")
        if let started = fixture.lines("started").first.flatMap(Double.init) {
            XCTAssertGreaterThanOrEqual(buriedAt - started, 5.8, "SIGKILL only after Timeout=1s and the 5 s grace period")
        } else {
            XCTFail("no start time")
        }
        assertNoProcessLeft(of: fixture)
    }

    /// A handler whose user does not exist cannot start: each attempt fails,
    /// and the job is buried after MaxAttempts with the reason.
    func testUnknownUserBuriesTheJobWithTheReason() throws {
        let fixture = try makeFixture()
        try fixture.queue("nouser", [
            "Tube=nouser", "ExecStart=/bin/true", "User=no-such-user-xyz", "MaxAttempts=2", "BackoffMin=100ms",
            "BackoffMax=100ms",
        ])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("nouser")
        let id = try XCTUnwrap(client.putID("nobody home"))
        let stats = assertBuried(id, client: client)
        XCTAssertEqual(stats["attempts"], "2")
        let reason = stats["reason"] ?? ""
        XCTAssertTrue(reason.hasPrefix("\"could not start: "), reason)
        XCTAssertTrue(reason.contains("no-such-user-xyz"), reason)
        XCTAssertTrue(reason.hasSuffix("; attempt 2 of 2\""), reason)
        XCTAssertTrue(server.process.isRunning)
    }

    // MARK: Configuration and reload

    /// A bad queue file is logged with its file and line, and configures no
    /// pool, while the good file's pool works. After SIGHUP a fixed file
    /// gets its pool, and a file broken since keeps its old pool.
    func testBadQueueFileIsReportedAndTheOthersServeAcrossReloads() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("record.sh", #"echo "$SPOOL_TUBE $SPOOL_JOB_ID" >> "$OUT/runs""#)
        let goodSettings = ["Tube=good", "ExecStart=\(handler)"]
        let good = try fixture.queue("10-good", goodSettings)
        let bad = try fixture.queue("20-bad", ["# fixed by the reload", "Tube=fixed", "ExecStart=\(handler)", "Workers=0"])
        let server = try start(fixture)
        assertEventually("the bad file's line is logged") {
            server.outputSoFar.contains("\(bad):5: Workers=0: must be between 1 and 256")
        }

        let client = try JobClient(port: server.port)
        client.use("fixed")
        let waiting = try XCTUnwrap(client.putID("waits for a pool"))
        client.use("good")
        let first = try XCTUnwrap(client.putID("handled at once"))
        guard assertEventually("the good queue's handler ran", { fixture.lines("runs").contains("good \(first)") })
        else { return }
        XCTAssertEqual(client.stats("stats-job \(waiting)")["state"], "ready", "the bad file configures no pool")

        // Fix the bad file; break the good one, which keeps its pool.
        try fixture.queue("20-bad", ["# fixed by the reload", "Tube=fixed", "ExecStart=\(handler)", "Workers=2"])
        try fixture.queue("10-good", goodSettings + ["Wrokers=2"])
        server.signal(SIGHUP)
        guard let reload = assertReloaded(server) else { return }
        XCTAssertTrue(reload.contains("added=fixed") && reload.contains("kept=good") && reload.contains("problems=1"), reload)
        XCTAssertTrue(server.outputSoFar.contains("\(good):4: Wrokers=2: unknown key"))
        guard assertEventually("the fixed file's pool ran the waiting job", { fixture.lines("runs").contains("fixed \(waiting)") })
        else { return }
        let second = try XCTUnwrap(client.putID("handled by the kept pool"))
        guard assertEventually("the kept pool still works", { fixture.lines("runs").contains("good \(second)") })
        else { return }
        XCTAssertEqual(fixture.lines("runs").count, 3, "each job ran once")
    }

    /// SIGHUP while handlers run changes a queue's handler and workers, adds a
    /// queue and removes one: running handlers finish under the old
    /// configuration, the next jobs run the new one, and every job runs
    /// exactly once; the removed queue's waiting job stays ready.
    func testReloadWhileHandlersRunLosesAndRepeatsNothing() throws {
        let fixture = try makeFixture()
        let old = try fixture.handler("old.sh", """
            echo "start $SPOOL_TUBE $SPOOL_JOB_ID" >> "$OUT/runs"
            while [ ! -e "$OUT/go" ]; do sleep 0.05; done
            echo "old $SPOOL_TUBE $SPOOL_JOB_ID" >> "$OUT/runs"
            """)
        let new = try fixture.handler("new.sh", #"echo "new $SPOOL_TUBE $SPOOL_JOB_ID" >> "$OUT/runs""#)
        try fixture.queue("a", ["Tube=reload-a", "ExecStart=\(old)", "Workers=2"])
        try fixture.queue("c", ["Tube=reload-c", "ExecStart=\(old)"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("reload-a")
        let aJobs = try (0..<8).map { try XCTUnwrap(client.putID("a\($0)")) }
        client.use("reload-c")
        let cJobs = try (0..<2).map { try XCTUnwrap(client.putID("c\($0)")) }
        guard assertEventually("three old handlers run", { fixture.lines("runs").count >= 3 }) else { return }
        let started = Set(fixture.lines("runs"))
        XCTAssertEqual(started, ["start reload-a \(aJobs[0])", "start reload-a \(aJobs[1])", "start reload-c \(cJobs[0])"])

        try fixture.queue("a", ["Tube=reload-a", "ExecStart=\(new)", "Workers=3"])
        try fixture.queue("b", ["Tube=reload-b", "ExecStart=\(new)"])
        try fixture.removeQueue("c")
        server.signal(SIGHUP)
        guard let reload = assertReloaded(server) else { return }
        XCTAssertTrue(reload.contains("added=reload-b changed=reload-a") && reload.contains("removed=reload-c"), reload)
        client.use("reload-b")
        let bJobs = try (0..<4).map { try XCTUnwrap(client.putID("b\($0)")) }
        try fixture.touch("go")

        guard assertEventually("every job of reload-a and reload-b ran, and the running one of reload-c", {
            fixture.lines("runs").count >= 3 + 8 + 4 + 1
        }) else { return }
        assertTubeDrained("reload-a", total: 8, client: client)
        assertTubeDrained("reload-b", total: 4, client: client)
        let runs = fixture.lines("runs")
        XCTAssertEqual(runs.count, 3 + 8 + 4 + 1, "nothing ran twice: \(runs)")
        let expected = Set(
            started
                + ["old reload-a \(aJobs[0])", "old reload-a \(aJobs[1])", "old reload-c \(cJobs[0])"]
                + aJobs.dropFirst(2).map { "new reload-a \($0)" } + bJobs.map { "new reload-b \($0)" })
        XCTAssertEqual(Set(runs), expected)
        XCTAssertEqual(client.stats("stats-job \(cJobs[1])")["state"], "ready", "the removed queue's job waits, not lost")
        XCTAssertNil(client.peek(cJobs[0]), "the removed queue's running job finished and was deleted")
    }

    /// A queue file's tube rules go with the file: once it is removed and
    /// spoold reloaded, its tube takes puts under spoold's defaults again
    /// (found by review: the removed file's `MaxJobs=` kept applying until
    /// a restart).
    func testARemovedQueuesLimitsGoWithIt() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("wait.sh", #"while [ ! -e "$OUT/go" ]; do sleep 0.05; done"#)
        try fixture.queue("limited", ["Tube=limited", "ExecStart=\(handler)", "MaxJobs=1"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        client.use("limited")
        XCTAssertNotNil(client.putID("first"))
        XCTAssertEqual(client.put("second"), "OUT_OF_MEMORY", "the tube holds its one job")
        try fixture.removeQueue("limited")
        server.signal(SIGHUP)
        guard let reload = assertReloaded(server) else { return }
        XCTAssertTrue(reload.contains("removed=limited"), reload)
        XCTAssertNotNil(client.putID("third"), "no limit any more")
        try fixture.touch("go")
    }

    // MARK: Sharing and stopping

    /// A protocol client reserves from the tube a pool serves: every job is
    /// handled exactly once, by one or the other.
    func testPoolAndAProtocolConsumerShareATube() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("shared.sh", """
            sleep 0.2
            echo "$SPOOL_JOB_ID" >> "$OUT/runs"
            """)
        try fixture.queue("shared", ["Tube=shared", "ExecStart=\(handler)", "Workers=2"])
        let server = try start(fixture)
        let producer = try JobClient(port: server.port)
        producer.use("shared")
        let ids = try (0..<30).map { try XCTUnwrap(producer.putID("job \($0)")) }

        let consumer = try JobClient(port: server.port)
        consumer.watchOnly("shared")
        var consumed: [UInt64] = []
        var released: UInt64?
        while let job = consumer.reserve(timeout: 0) {
            if released == nil {
                // Handed back with a delay: the pool or this consumer takes it later.
                released = job.id
                XCTAssertEqual(consumer.send("release \(job.id) 0 1"), "RELEASED")
                continue
            }
            consumed.append(job.id)
            XCTAssertEqual(consumer.send("delete \(job.id)"), "DELETED")
        }
        XCTAssertEqual(consumer.lastReply, "TIMED_OUT")
        XCTAssertNotNil(released)
        let stats = producer.stats("stats")
        XCTAssertEqual(stats["current-connections"], "2", "pool workers are not connections")
        XCTAssertEqual(stats["current-workers"], "1")

        guard assertEventually("the pool ran the rest", { fixture.lines("runs").count + consumed.count >= ids.count }) else {
            return
        }
        assertTubeDrained("shared", total: ids.count, client: producer)
        let ran = fixture.lines("runs").compactMap(UInt64.init)
        XCTAssertEqual((ran + consumed).sorted(), ids, "every job handled exactly once")
        XCTAssertGreaterThan(ran.count, 0, "the pool took part")
        XCTAssertGreaterThan(consumed.count, 0, "the consumer took part")
    }

    /// SIGTERM with handlers running: no worker takes another job, a handler
    /// that ends within --worker-stop-timeout completes its job, the others
    /// are stopped and their jobs released without counting an attempt, and
    /// spoold exits 0. Restarted on the same state directory, it holds the
    /// released jobs ready, and runs them once each.
    func testGracefulStopReleasesRunningJobsAndARestartRunsThem() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("stoppable.sh", """
            body=$(cat)
            echo "start $body $SPOOL_ATTEMPT" >> "$OUT/runs"
            if [ "$body" = short ]; then
                while [ ! -e "$OUT/stopping" ]; do sleep 0.05; done
            elif [ ! -e "$OUT/restarted" ]; then
                sh -c 'sleep 300; true' "$MARKER-sleeper"
            fi
            echo "done $body $SPOOL_ATTEMPT" >> "$OUT/runs"
            """)
        try fixture.queue("stop", ["Tube=stop", "ExecStart=\(handler)", "Workers=3"])
        let stopTimeout = 2.0
        var server = try start(fixture, ["--worker-stop-timeout", "\(Int(stopTimeout))"])
        var client = try JobClient(port: server.port)
        client.use("stop")
        let names = ["short", "long1", "long2", "waiting"]
        var ids: [String: UInt64] = [:]
        for name in names { ids[name] = try XCTUnwrap(client.putID(name)) }
        guard assertEventually("three handlers run", { fixture.lines("runs").count >= 3 }) else { return }
        XCTAssertEqual(Set(fixture.lines("runs")), ["start short 1", "start long1 1", "start long2 1"])

        let stopping = Date()
        server.signal(SIGTERM)
        // Once spoold has begun to stop, the short handler may end.
        guard assertEventually("spoold begins to stop", { server.outputSoFar.contains("] stopping") }) else { return }
        try fixture.touch("stopping")
        guard assertEventually("spoold exits", within: stopTimeout + 5 + 5, { !server.process.isRunning }) else { return }
        let stopTook = Date().timeIntervalSince(stopping)
        XCTAssertEqual(server.process.terminationReason, .exit)
        XCTAssertEqual(server.process.terminationStatus, 0)
        XCTAssertGreaterThanOrEqual(stopTook, stopTimeout - 0.1, "the running handlers had the stop timeout")
        assertNoProcessLeft(of: fixture)
        XCTAssertEqual(Set(fixture.lines("runs")), ["start short 1", "start long1 1", "start long2 1", "done short 1"],
                       "the short handler finished in time; no worker took the waiting job")

        // Restarted without the queue file: the jobs wait as they were left.
        try FileManager.default.moveItem(atPath: fixture.queueFile("stop"), toPath: fixture.queueFile("stop") + ".off")
        try fixture.touch("restarted")
        server = try start(fixture)
        client = try JobClient(port: server.port)
        XCTAssertNil(client.peek(try XCTUnwrap(ids["short"])), "the job finished during the stop is gone")
        for name in ["long1", "long2", "waiting"] {
            let stats = client.stats("stats-job \(try XCTUnwrap(ids[name]))")
            XCTAssertEqual(stats["state"], "ready", name)
            XCTAssertNil(stats["attempts"], "\(name): a stopped attempt is not counted")
        }

        try FileManager.default.moveItem(atPath: fixture.queueFile("stop") + ".off", toPath: fixture.queueFile("stop"))
        server.signal(SIGHUP)
        guard assertEventually("the jobs ran after the restart", { fixture.lines("runs").count >= 4 + 6 }) else { return }
        assertTubeDrained("stop", total: 3, client: client)  // counted since the restart: the three that came back
        let runs = fixture.lines("runs")
        XCTAssertEqual(runs.count, 10, "nothing ran twice: \(runs)")
        XCTAssertEqual(Set(runs.dropFirst(4)), [
            "start long1 1", "done long1 1", "start long2 1", "done long2 1", "start waiting 1", "done waiting 1",
        ])
        XCTAssertEqual(runs.filter { $0.hasPrefix("done short") }.count, 1)
    }

    // MARK: Aging

    /// With AgingAfter=, a job that has waited past it is taken before
    /// higher-priority ones; without it, priority alone decides.
    func testAgedJobGoesBeforeHigherPriorityOnes() throws {
        let fixture = try makeFixture()
        let handler = try fixture.handler("order.sh", #"cat >> "$OUT/$SPOOL_TUBE"; echo >> "$OUT/$SPOOL_TUBE""#)
        try fixture.queue("aging", ["Tube=aging", "ExecStart=\(handler)", "AgingAfter=300ms"])
        try fixture.queue("strict", ["Tube=strict", "ExecStart=\(handler)"])
        let server = try start(fixture)
        let client = try JobClient(port: server.port)
        let tubes = ["aging", "strict"]
        for tube in tubes {
            XCTAssertEqual(client.send("pause-tube \(tube) 60"), "PAUSED")
            client.use(tube)
            XCTAssertNotNil(client.putID("old", priority: 1000))
        }
        // Aging is about time: the old jobs must have waited past AgingAfter=300ms.
        Thread.sleep(forTimeInterval: 0.5)
        for tube in tubes {
            client.use(tube)
            for index in 1...3 { XCTAssertNotNil(client.putID("urgent-\(index)", priority: 0)) }
        }
        for tube in tubes { XCTAssertEqual(client.send("pause-tube \(tube) 0"), "PAUSED") }
        guard assertEventually("every job ran", { fixture.lines("aging").count >= 4 && fixture.lines("strict").count >= 4 })
        else { return }
        XCTAssertEqual(fixture.lines("aging"), ["old", "urgent-1", "urgent-2", "urgent-3"])
        XCTAssertEqual(fixture.lines("strict"), ["urgent-1", "urgent-2", "urgent-3", "old"])
    }

    // MARK: Helpers

    private func makeFixture() throws -> PoolFixture {
        let fixture = try PoolFixture()
        fixtures.append(fixture)
        return fixture
    }

    /// Starts spoold on `fixture` and waits until it has loaded the queue
    /// directory (it listens before it does).
    private func start(_ fixture: PoolFixture, _ extra: [String] = []) throws -> ServerProcess {
        let server = try fixture.startSpoold(extra)
        servers.append(server)
        assertEventually("spoold loads the queue directory") { server.outputSoFar.contains("[spoold] queues loaded") }
        return server
    }

    /// Polls `condition` until it holds, failing with `what` if it does not
    /// within `seconds`; returns whether it held.
    @discardableResult
    private func assertEventually(
        _ what: @autoclosure () -> String, within seconds: TimeInterval = 10, file: StaticString = #filePath,
        line: UInt = #line, _ condition: () -> Bool
    ) -> Bool {
        let held = Deadline.poll(for: seconds, until: condition)
        if !held { XCTFail("not within \(seconds) s: \(what())", file: file, line: line) }
        return held
    }

    /// Waits until spoold has loaded its queue directory a second time (after
    /// a SIGHUP) and returns the log line that tells what changed.
    private func assertReloaded(_ server: ServerProcess, file: StaticString = #filePath, line: UInt = #line) -> String? {
        var loaded: [Substring] = []
        guard assertEventually("the reload is done", file: file, line: line, {
            loaded = server.outputSoFar.split(separator: "\n").filter { $0.hasSuffix("[spoold] queues loaded") }
            return loaded.count >= 2
        }) else { return nil }
        return String(loaded[1])
    }

    /// Waits until job `id` is buried and returns its `stats-job`.
    @discardableResult
    private func assertBuried(
        _ id: UInt64, client: JobClient, within seconds: TimeInterval = 10, file: StaticString = #filePath,
        line: UInt = #line
    ) -> [String: String] {
        var stats: [String: String] = [:]
        assertEventually("job \(id) is buried (last stats: \(stats))", within: seconds, file: file, line: line) {
            stats = client.stats("stats-job \(id)")
            return stats["state"] == "buried"
        }
        return stats
    }

    /// Waits until `tube` holds no job, then checks it has had `total`.
    private func assertTubeDrained(
        _ tube: String, total: Int, client: JobClient, file: StaticString = #filePath, line: UInt = #line
    ) {
        var stats: [String: String] = [:]
        let states = ["urgent", "ready", "reserved", "delayed", "buried"].map { "current-jobs-\($0)" }
        assertEventually("tube \(tube) is empty (last stats: \(stats))", file: file, line: line) {
            stats = client.stats("stats-tube \(tube)")
            return states.allSatisfy { stats[$0] == "0" }
        }
        XCTAssertEqual(stats["total-jobs"], "\(total)", "tube \(tube)", file: file, line: line)
    }

    /// Waits until no process of the handlers the fixture ran is left: none
    /// in the process group of the handler that wrote `pid`, if one did, and
    /// none with the fixture's marker in its command line.
    private func assertNoProcessLeft(of fixture: PoolFixture, file: StaticString = #filePath, line: UInt = #line) {
        let group = fixture.lines("pid").first.flatMap(Int32.init)
        if fixture.exists("pid") { XCTAssertNotNil(group, "no pid in \(fixture.output.path)/pid", file: file, line: line) }
        assertEventually("no process of the handler is left", within: 5, file: file, line: line) {
            (group.map { ProcessTable.liveMembers(ofGroup: $0).isEmpty } ?? true)
                && ProcessTable.liveProcesses(withArgument: fixture.marker).isEmpty
        }
    }
}
