import Foundation
import SpoolTestSupport
import XCTest

/// The real spoolctl binary against a real spoold on a private system-type
/// bus: every command in its human and JSON form, every error with its exit
/// status, `purge`'s question and `watch` in a pseudo-terminal.
final class SpoolctlTests: XCTestCase {
    /// A member of group spool: may read over D-Bus, not change.
    private let reader = "spool-test-reader"

    /// Puts jobs over the protocol and waits until the control plane
    /// publishes their tube (within a quarter of a second).
    private func put(_ bodies: [String], into tube: String, _ spool: SpoolctlFixture, priority: UInt32 = 0, delay: Int = 0) throws -> [UInt64] {
        let client = try JobClient(port: spool.server.port)
        client.use(tube)
        let ids = bodies.compactMap { client.putID($0, priority: priority, delay: delay) }
        XCTAssertEqual(ids.count, bodies.count, "every job was put")
        try waitForTube(tube, spool) { $0["jobs_ready"] as? Int ?? -1 >= 0 }
        return ids
    }

    /// Waits until `spoolctl list --json` shows `tube` in a state that `condition` accepts.
    private func waitForTube(_ tube: String, _ spool: SpoolctlFixture, _ condition: @escaping ([String: Any]) -> Bool) throws {
        var last = ""
        let held = Deadline.poll(for: 10) {
            let run = try? spool.run(["list", "--json"])
            last = run?.stdout ?? ""
            return run?.array.first { $0["name"] as? String == tube }.map(condition) ?? false
        }
        XCTAssertTrue(held, "tube \(tube) never reached the state; last list: \(last)")
    }

    /// Asserts that `run` failed with `status` and exactly one line on stderr, starting `spoolctl: ` and containing `text`.
    private func assertFailure(_ run: SpoolctlFixture.Run, _ status: Int32, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, status, "exit status; stderr: \(run.stderr)", file: file, line: line)
        let lines = run.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line on stderr: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.hasPrefix("spoolctl: ") || status == 64, run.stderr, file: file, line: line)
        XCTAssertTrue(text.isEmpty || run.stderr.contains(text), "stderr '\(run.stderr)' lacks '\(text)'", file: file, line: line)
        XCTAssertEqual(run.stdout, "", "nothing on stdout", file: file, line: line)
    }

    // MARK: - Reading

    func testStatusAndListShowTheDaemonAndItsTubes() throws {
        let spool = try SpoolctlFixture()
        _ = try put(["a", "b"], into: "emails", spool)
        try waitForTube("emails", spool) { $0["jobs_ready"] as? Int == 2 }

        let status = try spool.run(["status"])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("State: running"), status.stdout)
        XCTAssertTrue(status.stdout.contains("Durability: always"), status.stdout)
        XCTAssertTrue(status.stdout.contains("Workers: 0 of 0 busy"), status.stdout)
        XCTAssertFalse(status.stdout.contains("\u{1B}["), "no colour into a pipe")
        let lines = status.stdout.split(separator: "\n")
        let header = try XCTUnwrap(lines.first { $0.hasPrefix("TUBE") })
        let row = try XCTUnwrap(lines.first { $0.hasPrefix("emails ") })
        XCTAssertEqual(header.split(separator: " ").prefix(3), ["TUBE", "READY", "URGENT"])
        XCTAssertEqual(row.split(separator: " "), ["emails", "2", "2", "0", "0", "0", "-", "-", "none", "-"])
        XCTAssertEqual(Self.wordEnds(header)[1...5], Self.wordEnds(row)[1...5], "counts are right-aligned under their headers")

        let json = try spool.run(["status", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(json.object["state"] as? String, "running")
        XCTAssertEqual(json.object["durability"] as? String, "always")
        XCTAssertEqual(json.object["jobs_ready"] as? Int, 2)
        let tubes = try XCTUnwrap(json.object["tubes"] as? [[String: Any]])
        XCTAssertEqual(tubes.compactMap { $0["name"] as? String }, ["default", "emails"])

        let list = try spool.run(["list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.stdout.split(separator: "\n").map { $0.split(separator: " ").first ?? "" }, ["TUBE", "default", "emails"])
        let listed = try spool.run(["list", "--json"]).array
        let emails = try XCTUnwrap(listed.first { $0["name"] as? String == "emails" })
        XCTAssertEqual(emails["jobs_urgent"] as? Int, 2)
        XCTAssertEqual(emails["pool_state"] as? String, "none")
        XCTAssertEqual(emails["paused"] as? Bool, false)
    }

    func testStatsOfTheServerATubeAndAJob() throws {
        let spool = try SpoolctlFixture()
        let ids = try put(["hello"], into: "stats-tube", spool, priority: 7)

        let server = try spool.run(["stats"])
        XCTAssertEqual(server.status, 0, server.stderr)
        XCTAssertEqual(Self.fields(server.stdout)["current-jobs-ready"], "1", server.stdout)
        XCTAssertEqual(try spool.run(["stats", "--json"]).object["current-jobs-ready"] as? Int, 1)

        let tube = try spool.run(["stats", "stats-tube"])
        XCTAssertTrue(tube.stdout.hasPrefix("name:"), tube.stdout)
        XCTAssertEqual(Self.fields(tube.stdout)["current-jobs-urgent"], "1", tube.stdout)
        let valueColumns = Set(tube.stdout.split(separator: "\n").map(Self.valueColumn))
        XCTAssertEqual(valueColumns.count, 1, "the values are aligned: \(tube.stdout)")
        let tubeJSON = try spool.run(["stats", "stats-tube", "--json"]).object
        XCTAssertEqual(tubeJSON["name"] as? String, "stats-tube")
        XCTAssertEqual(tubeJSON["total-jobs"] as? Int, 1)

        let job = try spool.run(["stats", "--job", "\(ids[0])", "--json"]).object
        XCTAssertEqual(job["id"] as? Int, Int(ids[0]))
        XCTAssertEqual(job["pri"] as? Int, 7)
        XCTAssertEqual(job["state"] as? String, "ready")
        XCTAssertEqual(Self.fields(try spool.run(["stats", "--job", "\(ids[0])"]).stdout)["tube"], "stats-tube")

        assertFailure(try spool.run(["stats", "no-such-tube"]), 4, "no tube named 'no-such-tube'")
        assertFailure(try spool.run(["stats", "--job", "999999"]), 4, "no job 999999")
        assertFailure(try spool.run(["stats", "stats-tube", "--job", "1"]), 64, "give a TUBE or --job, not both")
    }

    func testTopShowsEveryTubesCountsAndRates() throws {
        let spool = try SpoolctlFixture()
        let ids = try put(["a", "b", "c"], into: "top-tube", spool)
        let client = try JobClient(port: spool.server.port)
        client.watchOnly("top-tube")
        XCTAssertEqual(client.reserve(timeout: 0)?.id, ids[0])

        let json = try spool.run(["top", "--json", "--interval", "0.2", "--count", "2"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "one object per reading: \(json.stdout)")
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines.last.map(String.init)!.utf8)) as? [String: Any])
        let tube = try XCTUnwrap((last["tubes"] as? [[String: Any]])?.first { $0["tube"] as? String == "top-tube" })
        XCTAssertEqual(tube["ready"] as? Int, 2)
        XCTAssertEqual(tube["reserved"] as? Int, 1)
        XCTAssertEqual(tube["puts_per_second"] as? Double, 0, "nothing was put between the readings")

        let text = try spool.run(["top", "--interval", "0.2", "--count", "1"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("TUBE") || text.stdout.lowercased().hasPrefix("tube"), text.stdout)
        XCTAssertTrue(text.stdout.contains("top-tube"), text.stdout)
        XCTAssertEqual(try spool.run(["top", "--count", "0"]).status, 64, "a bad --count is a usage error (EX_USAGE)")
    }

    func testPutFromStandardInputAndFromAFileWithItsOptions() throws {
        let spool = try SpoolctlFixture()
        let put = try spool.run(["put", "uploads", "--priority", "5", "--delay", "30", "--ttr", "90"], input: "from stdin")
        XCTAssertEqual(put.status, 0, put.stderr)
        let id = try XCTUnwrap(UInt64(put.stdout.trimmingCharacters(in: .newlines)), "put prints the id alone: \(put.stdout)")
        let client = try JobClient(port: spool.server.port)
        let stats = client.stats("stats-job \(id)")
        XCTAssertEqual([stats["tube"], stats["pri"], stats["delay"], stats["ttr"], stats["state"]], ["uploads", "5", "30", "90", "delayed"])
        XCTAssertEqual(client.peek(id)?.body, "from stdin")

        let file = try TestScratch.temporaryDirectory().appendingPathComponent("body")
        try Data([0, 1, 2, 255, 13, 10]).write(to: file)
        let fromFile = try spool.run(["put", "uploads", file.path, "--json"])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertEqual(fromFile.object["tube"] as? String, "uploads")
        let fileID = try XCTUnwrap(fromFile.object["id"] as? Int)
        XCTAssertEqual(client.stats("stats-job \(fileID)")["state"], "ready")
        XCTAssertEqual(try spool.run(["put", "uploads", "-"], input: "dash").status, 0)
        XCTAssertEqual(client.stats("stats-tube uploads")["total-jobs"], "3")

        assertFailure(try spool.run(["put", "uploads", "/nonexistent/body"]), 64, "cannot read /nonexistent/body")
        assertFailure(try spool.run(["put", "bad tube name"], input: "x"), 64, "")
        assertFailure(try spool.run(["put", "uploads", "--priority", "-1"], input: "x"), 64, "priority")
        XCTAssertEqual(client.stats("stats-tube uploads")["total-jobs"], "3", "nothing put by a failed command")
    }

    func testPeekAtReadyDelayedAndBuriedJobs() throws {
        let spool = try SpoolctlFixture()
        let client = try JobClient(port: spool.server.port)
        client.use("peeks")
        client.watchOnly("peeks")
        let buried = try XCTUnwrap(client.putID("to bury"))
        let delayed = try XCTUnwrap(client.putID("later", delay: 600))
        let ready = try XCTUnwrap(client.putID("ready body"))
        XCTAssertEqual(client.reserve(timeout: 0)?.id, buried)
        XCTAssertEqual(client.send("bury \(buried) 0"), "BURIED")

        let next = try spool.run(["peek", "peeks"])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertTrue(next.stdout.hasPrefix("job \(ready) in peeks: ready, priority 0, age "), next.stdout)
        XCTAssertTrue(next.stdout.hasSuffix("s, 10 bytes\nready body"), "the body as it is, after one line: \(next.stdout)")
        let delayedJSON = try spool.run(["peek", "peeks", "--delayed", "--json"]).object
        XCTAssertEqual(delayedJSON["id"] as? Int, Int(delayed))
        XCTAssertEqual(delayedJSON["body"] as? String, "later")
        XCTAssertEqual((delayedJSON["stats"] as? [String: Any])?["state"] as? String, "delayed")
        let buriedRun = try spool.run(["peek", "peeks", "--buried"])
        XCTAssertTrue(buriedRun.stdout.hasPrefix("job \(buried) in peeks: buried"), buriedRun.stdout)
        XCTAssertTrue(buriedRun.stdout.hasSuffix("\nto bury"), buriedRun.stdout)

        client.use("binary")
        XCTAssertNotNil(client.putID("\u{1}\u{2}"))
        XCTAssertEqual(try spool.run(["peek", "binary", "--json"]).object["body"] as? String, "\u{1}\u{2}")

        assertFailure(try spool.run(["peek", "empty-tube"]), 4, "no ready job in tube 'empty-tube'")
        assertFailure(try spool.run(["peek", "peeks", "--ready", "--buried"]), 64, "")
    }

    // MARK: - Changing

    func testKickPauseAndResumeAsAdminAndTheirRefusalToOthers() throws {
        _ = try SystemBus.user(reader, groups: ["spool"])
        let spool = try SpoolctlFixture()
        let client = try JobClient(port: spool.server.port)
        client.use("kicks")
        client.watchOnly("kicks")
        for body in ["a", "b", "c"] {
            let id = try XCTUnwrap(client.putID(body))
            XCTAssertEqual(client.reserve(timeout: 0)?.id, id)
            XCTAssertEqual(client.send("bury \(id) 0"), "BURIED")
        }
        try waitForTube("kicks", spool) { $0["jobs_buried"] as? Int == 3 }

        assertFailure(try spool.run(["kick", "kicks", "2"], as: reader), 77, "permission denied: the D-Bus policy refuses Kick to uid")
        let kick = try spool.run(["kick", "kicks", "2"])
        XCTAssertEqual(kick.status, 0, kick.stderr)
        XCTAssertEqual(kick.stdout, "kicked 2 jobs in 'kicks'\n")
        XCTAssertEqual(try spool.run(["kick", "kicks", "--json"]).object["kicked"] as? Int, 1)
        XCTAssertEqual(client.stats("stats-tube kicks")["current-jobs-buried"], "0")

        assertFailure(try spool.run(["pause", "kicks", "60"], as: reader), 77, "permission denied")
        XCTAssertEqual(client.stats("stats-tube kicks")["pause"], "0", "a refused pause changes nothing")
        let pause = try spool.run(["pause", "kicks", "60"])
        XCTAssertEqual(pause.status, 0, pause.stderr)
        XCTAssertEqual(pause.stdout, "")
        XCTAssertEqual(client.stats("stats-tube kicks")["pause"], "60")
        try waitForTube("kicks", spool) { $0["paused"] as? Bool == true }
        XCTAssertTrue(try spool.run(["list"]).stdout.split(separator: "\n").contains { $0.hasPrefix("kicks ") && $0.contains(" yes ") })
        XCTAssertEqual(try spool.run(["resume", "kicks"]).status, 0)
        XCTAssertEqual(client.stats("stats-tube kicks")["pause"], "0")

        assertFailure(try spool.run(["pause", "no-such-tube", "5"]), 4, "no tube named 'no-such-tube'")
        assertFailure(try spool.run(["kick", "no-such-tube"]), 4, "no tube named 'no-such-tube'")
        assertFailure(try spool.run(["pause", "kicks", "soon"]), 64, "seconds")
    }

    /// A tube is there for D-Bus commands as soon as it exists, and a tube
    /// that just went away never breaks a listing, though the control plane
    /// publishes either only four times a second.
    func testTubesThatJustCameOrWentAreHandledBetweenPublications() throws {
        let spool = try SpoolctlFixture()
        for round in 1...5 {
            let put = try spool.run(["put", "new-\(round)"], input: "x")
            XCTAssertEqual(put.status, 0, put.stderr)
            let pause = try spool.run(["pause", "new-\(round)", "30"])
            XCTAssertEqual(pause.status, 0, "a command right after the tube's first put: \(pause.stderr)")

            let client = try JobClient(port: spool.server.port)
            client.use("brief-\(round)")
            try waitForTube("brief-\(round)", spool) { _ in true }
            client.close()
            let list = try spool.run(["list", "--json"])
            XCTAssertEqual(list.status, 0, "a listing right after a tube went away: \(list.stderr)")
            XCTAssertTrue(list.array.contains { $0["name"] as? String == "new-\(round)" && $0["paused"] as? Bool == true }, list.stdout)
        }
    }

    func testStopAndStartProcessingAndOneTubesPool() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("work", tube: "work", ["Workers=1"])
        let spool = try SpoolctlFixture(queues: queues.queues)
        try waitForTube("work", spool) { $0["pool_state"] as? String == "running" }

        XCTAssertEqual(try spool.run(["stop", "work"]).status, 0)
        try waitForTube("work", spool) { $0["pool_state"] as? String == "stopped" }
        XCTAssertTrue(try spool.run(["list"]).stdout.contains("stopped"))
        XCTAssertEqual(try spool.run(["start", "work"]).status, 0)
        try waitForTube("work", spool) { $0["pool_state"] as? String == "running" }

        XCTAssertEqual(try spool.run(["stop"]).status, 0)
        XCTAssertEqual(try spool.run(["status", "--json"]).object["state"] as? String, "stopped")
        XCTAssertEqual(try spool.run(["start"]).status, 0)
        XCTAssertEqual(try spool.run(["status", "--json"]).object["state"] as? String, "running")

        _ = try put(["x"], into: "plain", spool)
        assertFailure(try spool.run(["stop", "plain"]), 1, "plain")
        assertFailure(try spool.run(["start", "no-such-tube"]), 4, "no tube named 'no-such-tube'")
    }

    func testPurgeAsksOnATerminalAndNeedsYesOtherwise() throws {
        let spool = try SpoolctlFixture()
        let client = try JobClient(port: spool.server.port)
        client.use("trash")
        client.watchOnly("trash")
        for body in ["a", "b"] {
            let id = try XCTUnwrap(client.putID(body))
            XCTAssertEqual(client.reserve(timeout: 0)?.id, id)
            XCTAssertEqual(client.send("bury \(id) 0"), "BURIED")
        }
        XCTAssertNotNil(client.putID("stays ready"))
        try waitForTube("trash", spool) { $0["jobs_buried"] as? Int == 2 }

        assertFailure(try spool.run(["purge", "trash", "--state", "buried"]), 64, "give --yes")
        let declined = try spool.runInTerminal(["purge", "trash", "--state", "buried"], input: "n\n")
        XCTAssertTrue(declined.stdout.contains("Delete 2 buried jobs of 'trash' for good? [y/N]"), declined.stdout)
        XCTAssertTrue(declined.stdout.contains("spoolctl: nothing purged"), declined.stdout)
        XCTAssertEqual(declined.status, 1)
        XCTAssertEqual(client.stats("stats-tube trash")["current-jobs-buried"], "2")

        let confirmed = try spool.runInTerminal(["purge", "trash", "--state", "buried"], input: "y\n")
        XCTAssertEqual(confirmed.status, 0, confirmed.stdout)
        XCTAssertTrue(confirmed.stdout.contains("purged 2 jobs of 'trash'"), confirmed.stdout)
        XCTAssertEqual(client.stats("stats-tube trash")["current-jobs-buried"], "0")
        XCTAssertEqual(client.stats("stats-tube trash")["current-jobs-ready"], "1", "only buried jobs went")

        let all = try spool.run(["purge", "trash", "--state", "all", "--yes", "--json"])
        XCTAssertEqual(all.object["purged"] as? Int, 1, all.stderr)
        assertFailure(try spool.run(["purge", "trash", "--state", "reserved", "--yes"]), 64, "")
        assertFailure(try spool.run(["purge", "trash", "--yes"]), 64, "--state")
    }

    func testReloadPrintsProblemsAndFailsWithThem() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("good", tube: "good")
        let spool = try SpoolctlFixture(queues: queues.queues)
        let clean = try spool.run(["reload"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(clean.stdout, "")
        XCTAssertEqual(try spool.run(["reload", "--json"]).object["problems"] as? [String], [])

        let bad = try queues.writeFile("bad", ["[Queue]", "Tube=bad", "Workers=many"])
        let reload = try spool.run(["reload"])
        XCTAssertEqual(reload.status, 1)
        XCTAssertTrue(reload.stdout.hasPrefix("\(bad):3:"), reload.stdout)
        XCTAssertEqual(reload.stderr, "spoolctl: reloaded; 1 problem found\n")
        let json = try spool.run(["reload", "--json"])
        XCTAssertEqual(json.status, 1)
        XCTAssertEqual((json.object["problems"] as? [String])?.count, 1)
    }

    // MARK: - Errors

    func testUnreachableDaemonsAndBadArgumentsFailWithOneLine() throws {
        let spool = try SpoolctlFixture()
        let emptyBus = try SystemBus()
        assertFailure(try SpoolctlFixture.run(["status", "--address", emptyBus.address]), 69,
                      "spoold is not running and cannot be started")
        assertFailure(try SpoolctlFixture.run(["list", "--address", "unix:path=/nonexistent/bus"]), 69, "cannot connect to unix:path=/nonexistent/bus")
        assertFailure(try SpoolctlFixture.run(["stats", "--socket", "/nonexistent/spool.sock"]), 69, "/nonexistent/spool.sock")
        assertFailure(try SpoolctlFixture.run(["stats", "--socket", "tcp:127.0.0.1:\(try TestScratch.freePort())"]), 69, "127.0.0.1")
        assertFailure(try SpoolctlFixture.run(["stats", "--socket", "tcp:nowhere"]), 64, "bad --socket")
        _ = try SystemBus.user(reader, groups: ["spool"])
        let closed = try TestScratch.temporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: closed.path)
        assertFailure(try SpoolctlFixture.run(["stats", "--socket", closed.appendingPathComponent("spool.sock").path], as: reader), 77,
                      "permission denied: cannot connect to unix:\(closed.path)/spool.sock: Permission denied")

        let viaEnvironment = try SpoolctlFixture.run(["stats", "--json"], environment: ["SPOOL_SOCKET": spool.socket])
        XCTAssertEqual(viaEnvironment.status, 0, "SPOOL_SOCKET names the socket: \(viaEnvironment.stderr)")
        XCTAssertNotNil(viaEnvironment.object["pid"])

        assertFailure(try spool.run(["frobnicate"]), 64, "")
        assertFailure(try spool.run(["pause", "tube"]), 64, "")
        XCTAssertEqual(try SpoolctlFixture.run(["--json", "--address", spool.bus.address, "status"]).object["state"] as? String, "running",
                       "options may come before the command's name")
        XCTAssertEqual(try spool.run(["--help"]).status, 0)
        XCTAssertTrue(try spool.run(["--help"]).stdout.contains("69 spoold is not running"))
    }

    // MARK: - Watching

    func testWatchInATerminalShowsATubeAsItAppears() throws {
        let spool = try SpoolctlFixture()
        let watch = try spool.start(["watch"], inTerminal: true)
        defer { watch.stop() }
        XCTAssertTrue(Deadline.poll(for: 10) { watch.soFar.contains("TUBE") }, "the first screen: \(watch.soFar)")
        XCTAssertFalse(watch.soFar.contains("fresh"))
        XCTAssertTrue(watch.soFar.contains("\u{1B}[32mrunning"), "colour on a terminal: \(watch.soFar)")

        _ = try put(["one"], into: "fresh", spool)
        XCTAssertTrue(Deadline.poll(for: 10) { watch.soFar.contains("tube fresh appeared") }, watch.soFar)
        let client = try JobClient(port: spool.server.port)
        client.use("fresh")
        XCTAssertNotNil(client.putID("two"))
        XCTAssertTrue(Deadline.poll(for: 10) { Self.lastScreen(watch.soFar).contains { $0.hasPrefix("fresh ") && $0.split(separator: " ")[1] == "2" } },
                      "the redrawn table counts the second job: \(Self.lastScreen(watch.soFar))")
    }

    func testWatchWithJSONPrintsOneEventPerLine() throws {
        let spool = try SpoolctlFixture()
        let watch = try spool.start(["watch", "--json"], inTerminal: false)
        defer { watch.stop() }
        XCTAssertTrue(Deadline.poll(for: 10) { watch.soFar.contains("\"snapshot\"") }, watch.soFar)
        _ = try put(["one"], into: "events", spool)
        let client = try JobClient(port: spool.server.port)
        client.use("events")
        XCTAssertNotNil(client.putID("two"))
        var events: [[String: Any]] = []
        XCTAssertTrue(Deadline.poll(for: 10) {
            events = watch.soFar.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            return events.contains { $0["event"] as? String == "queue" && $0["tube"] as? String == "events" }
        }, watch.soFar)
        XCTAssertEqual(events.first?["event"] as? String, "snapshot")
        XCTAssertTrue(events.contains { $0["event"] as? String == "added" && $0["tube"] as? String == "events" })
    }

    /// Anyone on the bus may send `spoolctl watch` a signal that names
    /// spoold's path and interface: only spoold's own (and the bus's) count.
    func testWatchIgnoresSignalsForgedByOthers() throws {
        let spool = try SpoolctlFixture()
        let watch = try spool.start(["watch"], inTerminal: false)
        defer { watch.stop() }
        XCTAssertTrue(Deadline.poll(for: 10) { watch.soFar.contains("TUBE") }, watch.soFar)
        let pid = watch.process.processIdentifier
        let listed = try runCommand("/usr/bin/busctl", ["--address=\(spool.bus.address)", "--unique", "--json=short", "list"])
        let names = (try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]]) ?? []
        let watcher = try XCTUnwrap(names.first { $0["pid"] as? Int == Int(pid) }?["name"] as? String, listed.output)
        for forged in [
            ["/org/spool/Spool1", "org.spool.Spool1.Manager.JobBuried", "string:payroll", "uint64:424242", "string:FORGED"],
            ["/org/freedesktop/DBus", "org.freedesktop.DBus.NameOwnerChanged", "string:org.spool.Spool1", "string:\(watcher)", "string:"],
        ] {
            let sent = try runCommand("/usr/bin/dbus-send", ["--bus=\(spool.bus.address)", "--type=signal", "--dest=\(watcher)"] + forged)
            XCTAssertEqual(sent.status, 0, sent.output)
        }
        _ = try put(["after"], into: "after-forgery", spool)
        XCTAssertTrue(Deadline.poll(for: 10) { watch.soFar.contains("tube after-forgery appeared") }, watch.soFar)
        XCTAssertFalse(watch.soFar.contains("FORGED"), watch.soFar)
        XCTAssertFalse(watch.soFar.contains("spoold stopped"), watch.soFar)
    }

    /// `key: value` lines as a dictionary.
    private static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// Where the value of a `key: value` line starts, in characters.
    private static func valueColumn(_ line: Substring) -> Int {
        let afterColon = line.drop { $0 != ":" }.dropFirst()
        return line.count - afterColon.count + afterColon.prefix { $0 == " " }.count
    }

    /// Where each word of `line` ends, in characters.
    private static func wordEnds(_ line: Substring) -> [Int] {
        var ends: [Int] = []
        for (offset, character) in line.enumerated() where character != " " {
            if ends.last == offset { ends[ends.count - 1] = offset + 1 } else { ends.append(offset + 1) }
        }
        return ends
    }

    /// The lines after the last screen clear, without colours.
    private static func lastScreen(_ output: String) -> [String] {
        let screen = output.components(separatedBy: "\u{1B}[2J").last ?? ""
        let plain = screen.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
        return plain.components(separatedBy: .newlines).map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
