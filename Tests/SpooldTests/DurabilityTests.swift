import Foundation
import SpoolTestSupport
import XCTest

/// spoold's durable store through the real binary and real SQLite files
/// (issue #4): crashes under load, restarts, a full disk, commits that fail,
/// damaged or foreign database files, and a second daemon on one directory.
final class DurabilityTests: XCTestCase {
    // MARK: Crashes

    /// How many times the crash test kills spoold.
    private static let crashRounds = 100
    /// Handlers of the worker pool that run during the crash test.
    private static let crashWorkers = 2

    /// Kills spoold with SIGKILL after a random 20–200 ms of load from three
    /// producers and two consumers, while a worker pool of two runs handlers
    /// on what a fourth producer puts into its tube; restarts it on the same
    /// directory, a hundred times in a row, then drains what is left. Every
    /// acknowledged and undeleted job must be there exactly once (reserved
    /// ones too), no job whose delete was acknowledged may come back, no id
    /// may be given to two puts, and no job may appear that no put made. Every
    /// job of the pool's tube must have run to the end, with its whole body,
    /// never twice under one spoold, and again under the next only when a
    /// kill came between a run's start and its delete's commit: at most two
    /// per worker and kill, the run going on (killed with spoold, as under
    /// systemd, or left to finish outside it) and the one before it, whose
    /// delete may still wait for its commit.
    func testNothingAcknowledgedIsLostAcrossRepeatedCrashes() throws {
        let pool = try PoolFixture()
        defer { pool.remove() }
        let handler = try pool.handler("work.sh", """
            body=$(cat)
            sleep 0.01
            echo "$SPOOL_JOB_ID $body $PPID" >> "$OUT/runs"
            """)
        try pool.queue("work", ["Tube=work", "ExecStart=\(handler)", "Workers=\(Self.crashWorkers)"])
        let arguments = [
            "--state-directory", pool.stateDirectory.path, "--durability", "always",
            "--queues-directory", pool.queues.path, "--worker-stop-timeout", "0",
        ]
        let load = CrashLoad(producers: 3, consumers: 2, poolTube: "work")
        defer { _ = load.stop() }
        let started = Date()
        var spoolds: Set<String> = []
        for round in 1...Self.crashRounds {
            let server = try ServerProcess.spoold(arguments)
            spoolds.insert(String(server.process.processIdentifier))
            load.serve(port: server.port, generation: round)
            Thread.sleep(forTimeInterval: .random(in: 0.02...0.2))
            load.serverGone()
            crash(server)
        }
        XCTAssertTrue(load.stop(), "the load threads stop once spoold is gone")

        let server = try ServerProcess.spoold(arguments)
        spoolds.insert(String(server.process.processIdentifier))
        let client = try JobClient(port: server.port)
        let stats = client.stats("stats")
        XCTAssertEqual(stats["durability"], "always")
        XCTAssertEqual(stats["current-jobs-delayed"], "0")
        XCTAssertEqual(stats["current-jobs-buried"], "0")
        var drained: [JobClient.Job] = []
        while let job = client.reserve(timeout: 0) {
            drained.append(job)
            XCTAssertEqual(client.send("delete \(job.id)"), "DELETED")
        }
        XCTAssertEqual(client.lastReply, "TIMED_OUT", "the drain ends with an empty queue")
        XCTAssertTrue(Deadline.poll(for: 60, every: 0.05) {
            let work = client.stats("stats-tube work")
            return ["current-jobs-ready", "current-jobs-reserved", "current-jobs-delayed", "current-jobs-buried"].allSatisfy { work[$0] == "0" }
        }, "the pool runs what is left in its tube, and no run fails")

        let summary = load.ledger.summary
        let problems = load.ledger.problems(afterDraining: drained)
        XCTAssertTrue(problems.isEmpty, "\(problems.count) problems:\n" + problems.prefix(30).joined(separator: "\n"))
        XCTAssertGreaterThan(summary.inserted, 100, "the load was too light to test anything: \(summary)")
        XCTAssertGreaterThan(summary.reservedNotDeleted, 0, "no reserved job had to come back: \(summary)")
        let (poolProblems, repeated) = load.ledger.poolProblems(runs: pool.lines("runs"), spoolds: spoolds)
        XCTAssertTrue(poolProblems.isEmpty, "\(poolProblems.count) problems:\n" + poolProblems.prefix(30).joined(separator: "\n"))
        XCTAssertGreaterThan(load.ledger.poolInsertedCount, 100, "the pool had too little to do")
        XCTAssertLessThanOrEqual(repeated, Self.crashRounds * Self.crashWorkers * 2, "more repeated runs than kills could cause")
        let elapsed = String(format: "%.1f", Date().timeIntervalSince(started))
        print("\(Self.crashRounds) crashes in \(elapsed) s: \(summary); \(drained.count) jobs drained; "
            + "\(load.ledger.poolInsertedCount) pool jobs, \(repeated) ran again after a kill")
    }

    // MARK: Restarts

    /// A SIGKILL restart keeps delays (what is left of them), priorities and
    /// their order, TTRs, tube names, buried jobs and their counters, pauses,
    /// and ids rising above the highest ever handed out; reserved jobs come
    /// back ready.
    func testQueueSurvivesACrashRestart() throws {
        let arguments = ["--state-directory", try TestScratch.temporaryDirectory().path]
        let before = try ServerProcess.spoold(arguments)
        let fixture = try RestartFixture(populating: before.port)
        fixture.waitForPartOfTheDelay()
        crash(before)
        let after = try ServerProcess.spoold(arguments)
        try fixture.verify(port: after.port)
    }

    /// The same after a graceful SIGTERM stop, started with beanstalkd's
    /// `-b DIR -f 0` flags (mode always).
    func testQueueSurvivesAGracefulRestartWithBeanstalkdFlags() throws {
        let arguments = ["-b", try TestScratch.temporaryDirectory().path, "-f", "0"]
        let before = try ServerProcess.spoold(arguments)
        XCTAssertEqual(try JobClient(port: before.port).stats("stats")["durability"], "always")
        let fixture = try RestartFixture(populating: before.port)
        fixture.waitForPartOfTheDelay()
        XCTAssertEqual(before.stop(), 0, "SIGTERM stops spoold cleanly")
        let after = try ServerProcess.spoold(arguments)
        try fixture.verify(port: after.port)
    }

    // MARK: Disk full and failing commits

    /// On a 24 MiB tmpfs with `-z 1048576`, spoold keeps 2 MiB + 8 MiB free:
    /// puts of 1 MiB jobs are refused with OUT_OF_MEMORY before the disk is
    /// full, and nothing of a refused put is applied. Reads, reserves and
    /// deletes go on; a crash while full loses nothing acknowledged; once
    /// deletes free space, puts are taken again.
    func testFullDiskRefusesPutsAndKeepsEverythingAcknowledged() throws {
        let mount = try TmpfsMount(megabytes: 24)
        addTeardownBlock { mount.unmount() }
        let arguments = ["--state-directory", mount.path, "-z", "1048576"]
        let server = try ServerProcess.spoold(arguments)
        let client = try JobClient(port: server.port)
        var acknowledged: [UInt64: String] = [:]
        var refusal = ""
        for index in 0..<30 where refusal.isEmpty {  // 30 MiB cannot fit
            let body = "job \(index) " + String(repeating: "x", count: 1_048_000)
            let reply = client.put(body)
            if let id = JobClient.insertedID(in: reply) {
                acknowledged[id] = body
            } else {
                refusal = reply
            }
        }
        XCTAssertEqual(refusal, "OUT_OF_MEMORY")
        XCTAssertGreaterThanOrEqual(acknowledged.count, 3)
        let ids = acknowledged.keys.sorted()
        let stats = client.stats("stats")
        XCTAssertEqual(stats["total-jobs"], "\(acknowledged.count)", "the refused put was not applied")
        XCTAssertEqual(stats["current-jobs-ready"], "\(acknowledged.count)")
        XCTAssertEqual(client.peek(ids[1])?.body.count, acknowledged[ids[1]]?.count, "peek works while full")
        XCTAssertEqual(client.reserve(timeout: 0)?.id, ids[0], "reserve works while full")

        crash(server)
        let restarted = try ServerProcess.spoold(arguments)
        let after = try JobClient(port: restarted.port)
        for (id, body) in acknowledged {
            XCTAssertTrue(after.peek(id)?.body == body, "acknowledged job \(id) is lost or changed")
        }
        XCTAssertEqual(after.put("small"), "OUT_OF_MEMORY", "still full after the restart")
        let freed = ids.prefix(ids.count / 2)
        for id in freed {
            XCTAssertEqual(after.send("delete \(id)"), "DELETED", "deletes work while full")
        }
        var newID: UInt64?
        XCTAssertTrue(Deadline.poll(for: 5, every: 0.1) {
            newID = after.putID("small")
            return newID != nil
        }, "puts are taken again once deletes freed space")
        XCTAssertEqual(after.peek(try XCTUnwrap(newID))?.body, "small")
        XCTAssertEqual(restarted.stop(), 0)
        XCTAssertTrue(server.output.contains("little space left for the store"), server.output)
    }

    /// Commits that fail (here with ENOSPC: a file outside spoold fills the
    /// tmpfs) turn the store failing: the change whose commit failed is not
    /// acknowledged, puts get OUT_OF_MEMORY and other changes INTERNAL_ERROR,
    /// while reserves, peeks and stats work. Once space is back the retried
    /// commit acknowledges the held change and changes are taken again; a
    /// crash then loses nothing acknowledged.
    ///
    /// A read-only remount cannot be used for this: Linux refuses to remount
    /// a file system read-only (EBUSY) while spoold holds spool.db open for
    /// writing, and a kernel-forced one (after an I/O error) cannot be undone
    /// without unmounting. ``testReadOnlyStateDirectoryStopsStartup()`` covers
    /// a file system that is read-only before spoold starts.
    func testFailingCommitsRefuseChangesUntilSpaceIsBack() throws {
        let mount = try TmpfsMount(megabytes: 16)
        addTeardownBlock { mount.unmount() }
        let arguments = ["--state-directory", mount.path, "-z", "2500000"]  // keeps 13 MiB free
        let server = try ServerProcess.spoold(arguments)
        let client = try JobClient(port: server.port)
        let ids = try (1...3).map { try XCTUnwrap(client.putID("before \($0)")) }
        let worker = try JobClient(port: server.port)
        XCTAssertEqual(worker.reserve(timeout: 0)?.id, ids[0])

        let filler = try mount.fill()
        let heldProducer = try JobClient(port: server.port)
        // More than the journal allocated ahead (a 1 MiB segment on this small disk).
        let heldBody = String(repeating: "h", count: 2 << 20)
        heldProducer.sendWithoutWaiting("put 0 0 60 \(heldBody.utf8.count)", body: heldBody)
        // A probe that changes nothing: NOT_FOUND while healthy, INTERNAL_ERROR once failing.
        XCTAssertTrue(Deadline.poll(for: 5) { client.send("delete 999999") == "INTERNAL_ERROR" }, "the store turns failing")
        XCTAssertEqual(heldProducer.awaitReply(timeout: 0.2), "", "a put whose commit failed is not acknowledged")

        XCTAssertEqual(client.put("refused"), "OUT_OF_MEMORY")
        XCTAssertEqual(client.send("delete \(ids[1])"), "INTERNAL_ERROR")
        XCTAssertEqual(worker.send("release \(ids[0]) 0 0"), "INTERNAL_ERROR")
        XCTAssertEqual(worker.send("bury \(ids[0]) 0"), "INTERNAL_ERROR")
        XCTAssertEqual(client.send("kick 1"), "INTERNAL_ERROR")
        XCTAssertEqual(client.send("kick-job \(ids[2])"), "INTERNAL_ERROR")
        XCTAssertEqual(client.send("pause-tube default 1"), "INTERNAL_ERROR")
        XCTAssertEqual(client.peek(ids[2])?.body, "before 3")
        XCTAssertEqual(client.reserve(timeout: 0)?.id, ids[1], "reserves work while failing")
        XCTAssertEqual(client.stats("stats-job \(ids[0])")["state"], "reserved")
        XCTAssertEqual(client.stats("stats")["durability"], "always")

        try FileManager.default.removeItem(at: filler)
        let heldReply = heldProducer.awaitReply(timeout: 5)
        let heldID = try XCTUnwrap(JobClient.insertedID(in: heldReply), "the held put after space came back: \(heldReply)")
        var newID: UInt64?
        XCTAssertTrue(Deadline.poll(for: 5) {
            newID = client.putID("after")
            return newID != nil
        }, "puts are taken again")
        XCTAssertEqual(client.send("delete \(ids[1])"), "DELETED")

        crash(server)
        XCTAssertTrue(server.output.contains("cannot commit to the store"), server.output)
        XCTAssertTrue(server.output.contains(mount.path + "/journal/"), server.output)
        let restarted = try ServerProcess.spoold(arguments)
        let after = try JobClient(port: restarted.port)
        XCTAssertEqual(after.peek(ids[0])?.body, "before 1")
        XCTAssertNil(after.peek(ids[1]), "its delete was acknowledged")
        XCTAssertEqual(after.peek(ids[2])?.body, "before 3")
        XCTAssertEqual(after.peek(heldID)?.body, heldBody)
        XCTAssertEqual(after.peek(try XCTUnwrap(newID))?.body, "after")
    }

    /// A state directory whose file system is read-only stops spoold at start
    /// with a message naming the directory, whether it holds a store or not;
    /// once writable again, the store is intact.
    func testReadOnlyStateDirectoryStopsStartup() throws {
        let mount = try TmpfsMount(megabytes: 16)  // above the 8 MiB spoold keeps free
        addTeardownBlock { mount.unmount() }
        let arguments = ["--state-directory", mount.path]
        let first = try ServerProcess.spoold(arguments)
        let id = try XCTUnwrap(try JobClient(port: first.port).putID("kept"))
        XCTAssertEqual(first.stop(), 0)

        let readOnly = try mount.remount(readOnly: true)
        XCTAssertEqual(readOnly.status, 0, readOnly.output)
        assertRefusal(try runSpooldExpectingRefusal(arguments), naming: mount.path, saying: "Read-only file system")
        let missing = mount.path + "/new"
        assertRefusal(try runSpooldExpectingRefusal(["--state-directory", missing]), naming: missing, saying: "Read-only file system")

        XCTAssertEqual(try mount.remount(readOnly: false).status, 0)
        let second = try ServerProcess.spoold(arguments)
        XCTAssertEqual(try JobClient(port: second.port).peek(id)?.body, "kept")
    }

    // MARK: Damaged and foreign files

    func testGarbageFileStopsStartupAndIsLeftAlone() throws {
        let directory = try TestScratch.temporaryDirectory()
        let garbage = (0..<65_536).map { _ in UInt8.random(in: 0...255) }
        try Data(garbage).write(to: directory.appendingPathComponent("spool.db"))
        try assertStartupRefused(in: directory, saying: "is not a Spool database")
    }

    func testAnotherApplicationsSQLiteFileStopsStartupAndIsLeftAlone() throws {
        let directory = try TestScratch.temporaryDirectory()
        try makeSQLiteFile(directory.appendingPathComponent("spool.db"), """
            CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);
            INSERT INTO notes (text) VALUES ('not a job');
            """)
        try assertStartupRefused(in: directory, saying: "is not a Spool database")
    }

    func testSpoolDatabaseOfANewerFormatStopsStartupAndIsLeftAlone() throws {
        let directory = try TestScratch.temporaryDirectory()
        try makeSQLiteFile(directory.appendingPathComponent("spool.db"), """
            PRAGMA application_id = \(0x5350_4F4C);
            PRAGMA user_version = 99;
            CREATE TABLE future (x);
            """)
        try assertStartupRefused(in: directory, saying: "format version 99")
    }

    /// A real journal whose first segment is cut to half its length is
    /// damaged (the next segment says where the first one ends): spoold will
    /// not start rather than drop jobs, and leaves the files as they are.
    func testTruncatedJournalStopsStartupAndIsLeftAlone() throws {
        let directory = try TestScratch.temporaryDirectory()
        let server = try ServerProcess.spoold(["--state-directory", directory.path])
        let client = try JobClient(port: server.port)
        let body = String(repeating: "j", count: 20_000)
        for _ in 0..<1000 {  // 20 MB: more than one 16 MiB segment
            XCTAssertNotNil(client.putID(body))
        }
        XCTAssertEqual(server.stop(), 0)
        let segment = directory.appendingPathComponent("journal/00000001.log")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: segment.path)[.size] as? Int)
        XCTAssertEqual(truncate(segment.path, off_t(size / 2)), 0)
        try assertStartupRefused(in: directory, file: "journal/00000001.log", saying: "is damaged")
    }

    /// The last segment cut short where a commit had fsynced it: a crash
    /// cannot do that (it tears only the commit in flight), so the journal
    /// is damaged and the start refused; before `journal/synced`, the jobs
    /// past the cut were dropped as a torn write.
    func testALastSegmentCutBelowWhatWasFsyncedStopsStartupAndIsLeftAlone() throws {
        let directory = try TestScratch.temporaryDirectory()
        let server = try ServerProcess.spoold(["--state-directory", directory.path])
        let client = try JobClient(port: server.port)
        for _ in 0..<100 {  // about 110 KB, in the first segment
            XCTAssertNotNil(client.putID(String(repeating: "s", count: 1000)))
        }
        XCTAssertEqual(server.stop(), 0)
        let segment = directory.appendingPathComponent("journal/00000001.log")
        XCTAssertEqual(truncate(segment.path, 50_000), 0)
        try assertStartupRefused(in: directory, file: "journal/00000001.log", saying: "that is damage, not a write cut short")
    }

    // MARK: Two daemons

    /// A second spoold on a directory in use exits at once naming the owner;
    /// the first keeps serving, and its store is intact afterwards.
    func testSecondDaemonOnTheSameDirectoryIsRefused() throws {
        let directory = try TestScratch.temporaryDirectory().path
        let first = try ServerProcess.spoold(["--state-directory", directory])
        let client = try JobClient(port: first.port)
        let before = try XCTUnwrap(client.putID("before"))

        let second = try runSpooldExpectingRefusal(["-b", directory])
        assertRefusal(second, naming: directory + "/spoold.lock", saying: "in use by another spoold")
        XCTAssertTrue(second.output.contains("pid \(first.process.processIdentifier)"), second.output)

        XCTAssertEqual(client.peek(before)?.body, "before", "the first spoold keeps serving")
        let during = try XCTUnwrap(client.putID("during"))
        XCTAssertEqual(first.stop(), 0)
        let third = try ServerProcess.spoold(["--state-directory", directory])
        let check = try JobClient(port: third.port)
        XCTAssertEqual(check.peek(before)?.body, "before")
        XCTAssertEqual(check.peek(during)?.body, "during")
    }

    // MARK: Helpers

    /// Kills spoold with SIGKILL and waits until it is gone (and its lock with it).
    private func crash(_ server: ServerProcess) {
        server.signal(SIGKILL)
        server.process.waitUntilExit()
    }

    /// Runs spoold on a free port with `arguments`, expecting it to exit at
    /// once; one that starts anyway is killed after 15 s (status -1).
    private func runSpooldExpectingRefusal(_ arguments: [String]) throws -> CommandResult {
        let port = try TestScratch.freePort()
        return try runCommand(TestEnvironment.spoold.path, ["--listen", "tcp:127.0.0.1:\(port)"] + arguments, timeout: 15)
    }

    /// Asserts that spoold exited with an error and a one-line `spoold: `
    /// message naming `path` and saying `phrase`.
    private func assertRefusal(_ result: CommandResult, naming path: String, saying phrase: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(result.status, 0, "spoold must exit with an error:\n\(result.output)", file: file, line: line)
        let message = result.output.split(separator: "\n").first { $0.hasPrefix("spoold: ") } ?? ""
        XCTAssertTrue(message.contains(path), "the message must name \(path):\n\(result.output)", file: file, line: line)
        XCTAssertTrue(message.contains(phrase), "the message must say \(phrase):\n\(result.output)", file: file, line: line)
    }

    /// Asserts that spoold refuses to start on `directory`, naming its
    /// file `name` (by default the spool.db of an earlier spoold) and saying
    /// `phrase`, and leaves the file's bytes as they were.
    private func assertStartupRefused(in directory: URL, file name: String = "spool.db", saying phrase: String,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let database = directory.appendingPathComponent(name)
        let original = try Data(contentsOf: database)
        let result = try runSpooldExpectingRefusal(["--state-directory", directory.path])
        assertRefusal(result, naming: database.path, saying: phrase, file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: database), original, "spoold changed the file it refused", file: file, line: line)
    }

    /// Makes a SQLite database at `url` with python3's sqlite3 module, as another program would.
    private func makeSQLiteFile(_ url: URL, _ script: String) throws {
        let result = try runCommand("/usr/bin/env", [
            "python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.close()",
            url.path, script,
        ], timeout: 30)
        XCTAssertEqual(result.status, 0, "python3 and its sqlite3 module make the file: \(result.output)")
    }
}
