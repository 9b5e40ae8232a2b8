import Foundation
import SpoolTestSupport
import XCTest

/// Several spoold nodes on one real PostgreSQL (a throw-away cluster of
/// Debian's server), each a real process: jobs, ids, wake-ups and leases
/// across nodes, a node killed with SIGKILL, the database going away.
final class ClusterTests: XCTestCase {
    nonisolated(unsafe) private static var postgres: PostgresFixture?

    override class func tearDown() {
        postgres?.stop()
        postgres = nil
    }

    private func database() throws -> (fixture: PostgresFixture, url: String) {
        if Self.postgres == nil { Self.postgres = try PostgresFixture() }
        let fixture = try XCTUnwrap(Self.postgres)
        return (fixture, try fixture.newDatabase())
    }

    /// The node's id in the cluster, from its `stats`.
    private func nodeID(_ client: RawClient) -> String? {
        client.send("stats\r\n")
        return client.readDocument().split(separator: "\n").first { $0.hasPrefix("cluster-node: ") }
            .map { String($0.dropFirst("cluster-node: ".count)) }
    }

    private func node(_ url: String) throws -> (ServerProcess, RawClient) {
        let server = try ServerProcess.spoold(["--postgresql", url])
        return (server, try RawClient(port: server.port))
    }

    private func ask(_ client: RawClient, _ line: String, body: String? = nil, timeout: TimeInterval = 10) -> String {
        client.send(line + "\r\n" + (body.map { $0 + "\r\n" } ?? ""))
        return client.readLine(timeout: timeout)
    }

    /// A reply with a body: its line and the body.
    private func askWithBody(_ client: RawClient, _ line: String, timeout: TimeInterval = 10) -> (String, String) {
        let header = ask(client, line, timeout: timeout)
        guard let size = header.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
              header.hasPrefix("RESERVED") || header.hasPrefix("FOUND") || header.hasPrefix("OK ")
        else { return (header, "") }
        let bytes = client.read(count: size + 2, timeout: timeout).utf8.prefix(size)
        return (header, String(decoding: bytes, as: UTF8.self))
    }

    func testJobsMoveAcrossNodesWithIdsUniqueAndIncreasing() throws {
        let (_, url) = try database()
        let (first, a) = try node(url)
        let (second, b) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }

        var ids: [UInt64] = []
        for index in 0..<10 {
            let reply = ask(index.isMultiple(of: 2) ? a : b, "put \(100 - index) 0 60 5", body: "job-\(index)")
            XCTAssertTrue(reply.hasPrefix("INSERTED "), reply)
            ids.append(UInt64(reply.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        }
        XCTAssertEqual(ids, ids.sorted(), "one sequence: ids grow in allocation order")
        XCTAssertEqual(Set(ids).count, ids.count, "no id twice")

        // The best job (lowest priority number: the last put) is reserved on the other node.
        let (reserved, body) = askWithBody(a, "reserve-with-timeout 5")
        XCTAssertEqual(reserved, "RESERVED \(ids[9]) 5\r\n")
        XCTAssertEqual(body, "job-9")
        XCTAssertEqual(ask(b, "delete \(ids[9])"), "NOT_FOUND\r\n", "a job reserved on A is not B's to delete")
        XCTAssertEqual(ask(b, "release \(ids[9]) 0 0"), "NOT_FOUND\r\n")
        XCTAssertEqual(ask(a, "bury \(ids[9]) 0"), "BURIED\r\n")
        XCTAssertEqual(askWithBody(b, "peek-buried").0, "FOUND \(ids[9]) 5\r\n")
        XCTAssertEqual(ask(b, "kick 10"), "KICKED 1\r\n")
        XCTAssertEqual(askWithBody(b, "reserve-with-timeout 5").0, "RESERVED \(ids[9]) 5\r\n")
        XCTAssertEqual(ask(b, "delete \(ids[9])"), "DELETED\r\n")
        XCTAssertEqual(ask(a, "delete \(ids[0])"), "DELETED\r\n", "a ready job is any node's to delete")

        // Both nodes count the cluster's jobs.
        a.send("stats-tube default\r\n")
        let fromA = a.readDocument()
        b.send("stats-tube default\r\n")
        let fromB = b.readDocument()
        XCTAssertTrue(fromA.contains("current-jobs-ready: 8\n"), fromA)
        XCTAssertTrue(fromB.contains("current-jobs-ready: 8\n"), fromB)
        XCTAssertTrue(fromB.contains("total-jobs: 10\n"), fromB)
        XCTAssertTrue(fromB.contains("cmd-delete: 2\n"), fromB)
    }

    func testAPutOnOneNodeWakesAReserveWaitingOnAnother() throws {
        let (_, url) = try database()
        let (first, a) = try node(url)
        let (second, b) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }
        XCTAssertEqual(ask(b, "watch wake"), "WATCHING 2\r\n")
        b.send("reserve-with-timeout 60\r\n")
        // B advertises its wait before A puts; the put's NOTIFY wakes it.
        XCTAssertEqual(ask(a, "use wake"), "USING wake\r\n")
        a.send("stats-tube wake\r\n")
        _ = a.readDocument()
        let put = ask(a, "put 0 0 60 4", body: "ping")
        XCTAssertTrue(put.hasPrefix("INSERTED"), put)
        XCTAssertEqual(b.readLine(timeout: 30), "RESERVED \(put.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)) 4\r\n")
        XCTAssertEqual(b.read(count: 6), "ping\r\n")
    }

    func testAKilledNodesReservationsReturnLongBeforeTheirTTR() throws {
        let (_, url) = try database()
        let (first, a) = try node(url)
        let (second, b) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }
        let put = ask(a, "put 0 0 3600 4", body: "held")
        XCTAssertTrue(put.hasPrefix("INSERTED"), put)
        XCTAssertTrue(askWithBody(b, "reserve-with-timeout 5").0.hasPrefix("RESERVED"))
        XCTAssertEqual(ask(a, "reserve-with-timeout 0"), "TIMED_OUT\r\n", "held by B")
        second.signal(SIGKILL)
        // B's liveness lock went with its connection: A's rescue returns the job
        // within a second or two, where its TTR would have taken an hour.
        let (reply, body) = askWithBody(a, "reserve-with-timeout 60", timeout: 70)
        XCTAssertTrue(reply.hasPrefix("RESERVED"), reply)
        XCTAssertEqual(body, "held")
        a.send("stats-job \(put.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines))\r\n")
        XCTAssertTrue(a.readDocument().contains("reserves: 2\n"))
    }

    /// A job taken with reserve-job is the connection's as a reserved one
    /// is: when the connection closes, it is ready again at once, not after
    /// its TTR.
    func testAJobTakenWithReserveJobReturnsWhenItsConnectionCloses() throws {
        let (_, url) = try database()
        let (server, a) = try node(url)
        defer { _ = server.stop() }
        let put = ask(a, "put 0 0 3600 4", body: "mine")
        let id = put.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)
        let holder = try RawClient(port: server.port)
        XCTAssertEqual(askWithBody(holder, "reserve-job \(id)").0, "RESERVED \(id) 4\r\n")
        a.send("stats-job \(id)\r\n")
        XCTAssertTrue(a.readDocument().contains("state: reserved\n"))
        holder.close()
        XCTAssertTrue(Deadline.poll(for: 10, every: 0.05) {
            a.send("stats-job \(id)\r\n")
            return a.readDocument().contains("state: ready\n")
        }, "released with its connection")
    }

    /// A reserve-job whose connection is reset before its reply leaves the
    /// job ready (found by review: the close released what the connection
    /// held before the reservation was made, which then stayed until its TTR).
    func testAReserveJobWhoseConnectionIsResetFirstLeavesTheJobReady() throws {
        let (_, url) = try database()
        let (server, a) = try node(url)
        defer { _ = server.stop() }
        let id = ask(a, "put 0 0 3600 4", body: "mine").dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)
        let holder = try RawClient(port: server.port)
        holder.send("reserve-job \(id)\r\n")
        holder.reset()
        var stats = ""
        XCTAssertTrue(Deadline.poll(for: 10, every: 0.05) {
            a.send("stats-job \(id)\r\n")
            stats = a.readDocument()
            return stats.contains("state: ready\n") && stats.contains("reserves: 1\n")
        }, stats)
    }

    /// A node whose registration the others found dead takes nothing more
    /// in that name (found by review: a node whose liveness connection was
    /// lost without its knowing kept reserving jobs, which the others'
    /// rescue then gave out again). Its row is deleted by hand here, as the
    /// others' rescue deletes it: the node's reserve waits, the node finds
    /// its row gone at its next rescue and registers again, and the job it
    /// takes then stays its own, whatever the other node's rescue does.
    func testANodeWhoseRegistrationIsGoneTakesNothingInItsNameAndRegistersAgain() throws {
        if Self.postgres == nil { Self.postgres = try PostgresFixture() }
        let fixture = try XCTUnwrap(Self.postgres)
        let name = try fixture.newDatabaseName()
        let (first, a) = try node(fixture.url(name))
        let (second, b) = try node(fixture.url(name))
        defer { _ = first.stop(); _ = second.stop() }
        let old = try XCTUnwrap(nodeID(a))
        XCTAssertEqual(try fixture.psql(name, "DELETE FROM spool_nodes WHERE id = \(old)").status, 0)
        let id = ask(b, "put 0 0 3600 3", body: "job").dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)
        var replies: [String] = []
        XCTAssertTrue(Deadline.poll(for: 20, every: 0.05) {
            replies.append(askWithBody(a, "reserve-with-timeout 2", timeout: 10).0)
            return replies.last?.hasPrefix("RESERVED") == true
        }, "\(replies)")
        XCTAssertEqual(replies.last, "RESERVED \(id) 3\r\n")
        XCTAssertNotEqual(nodeID(a), old, "registered again, under a new id")
        XCTAssertEqual(ask(b, "reserve-with-timeout 3", timeout: 10), "TIMED_OUT\r\n", "the job stays A's")
        b.send("stats-job \(id)\r\n")
        XCTAssertTrue(b.readDocument().contains("reserves: 1\n"), "taken once")
    }

    func testTTRRunsOutClusterWide() throws {
        let (_, url) = try database()
        let (first, a) = try node(url)
        let (second, b) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }
        let put = ask(a, "put 0 0 1 2", body: "hi")
        XCTAssertTrue(askWithBody(a, "reserve-with-timeout 5").0.hasPrefix("RESERVED"))
        let (reply, _) = askWithBody(b, "reserve-with-timeout 30", timeout: 40)
        XCTAssertTrue(reply.hasPrefix("RESERVED \(put.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)) "), reply)
        b.send("stats-job \(put.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines))\r\n")
        XCTAssertTrue(b.readDocument().contains("timeouts: 1\n"))
        XCTAssertEqual(ask(a, "delete \(put.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines))"), "NOT_FOUND\r\n",
                       "A's lease ended: the job is B's now")
    }

    /// A reservation whose TTR ran out is no longer its connection's on
    /// the node that holds it either, whichever node's rescue returned it:
    /// no DEADLINE_SOON for it, counted in job-timeouts, and not released
    /// from the session that reserved it since when the first one closes.
    func testAnExpiredReservationIsNoLongerItsConnections() throws {
        let (_, url) = try database()
        let (server, a) = try node(url)
        defer { _ = server.stop() }
        let id = ask(a, "put 0 0 1 2", body: "hi").dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(askWithBody(a, "reserve-with-timeout 5").0, "RESERVED \(id) 2\r\n")
        let b = try RawClient(port: server.port)
        XCTAssertEqual(askWithBody(b, "reserve-with-timeout 30", timeout: 40).0, "RESERVED \(id) 2\r\n", "after A's TTR")
        XCTAssertEqual(ask(a, "reserve-with-timeout 0"), "TIMED_OUT\r\n", "A holds nothing that is about to time out")
        a.send("stats\r\n")
        XCTAssertTrue(a.readDocument().contains("job-timeouts: 1\n"))
        a.close()
        XCTAssertEqual(ask(b, "release \(id) 0 0"), "RELEASED\r\n", "B's reservation, whatever A's close did")
    }

    /// As above when another node's rescue returned the job (the node that
    /// holds it was stopped meanwhile, so its own rescue never saw it).
    func testAReservationAnotherNodeTimedOutIsNoLongerItsConnections() throws {
        let (_, url) = try database()
        let (first, a) = try node(url)
        let (second, observer) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }
        let b = try RawClient(port: first.port)
        let id = ask(a, "put 0 0 3 2", body: "hi").dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(askWithBody(a, "reserve-with-timeout 5").0, "RESERVED \(id) 2\r\n")
        first.signal(SIGSTOP)
        let returned = Deadline.poll(for: 30, every: 0.1) {
            observer.send("stats-job \(id)\r\n")
            return observer.readDocument().contains("state: ready\n")
        }
        first.signal(SIGCONT)
        XCTAssertTrue(returned, "the second node's rescue returns the job once its TTR is over")
        XCTAssertEqual(askWithBody(b, "reserve-with-timeout 30", timeout: 40).0, "RESERVED \(id) 2\r\n")
        XCTAssertEqual(ask(a, "reserve-with-timeout 0"), "TIMED_OUT\r\n", "A holds nothing that is about to time out")
        a.send("stats\r\n")
        XCTAssertTrue(a.readDocument().contains("job-timeouts: 1\n"), "counted on the node whose client held it")
        a.close()
        XCTAssertEqual(ask(b, "release \(id) 0 0"), "RELEASED\r\n", "B's reservation, whatever A's close did")
    }

    /// Two deletes of one job in the same pass of writes: one removes it.
    func testOfTwoDeletesOfOneJobOnlyOneDeletesIt() throws {
        let (_, url) = try database()
        let (server, a) = try node(url)
        defer { _ = server.stop() }
        let b = try RawClient(port: server.port)
        let c = try RawClient(port: server.port)
        for _ in 0..<40 {
            let id = ask(a, "put 0 0 60 1", body: "x").dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)
            // C's put keeps a pass of writes in flight while the two deletes
            // arrive, so that they wait for the next pass together.
            c.send("put 0 0 60 1\r\ny\r\n")
            a.send("delete \(id)\r\n")
            b.send("delete \(id)\r\n")
            let replies = [a.readLine(), b.readLine()].sorted()
            XCTAssertEqual(replies, ["DELETED\r\n", "NOT_FOUND\r\n"], "job \(id)")
            XCTAssertTrue(c.readLine().hasPrefix("INSERTED"))
        }
    }

    /// current-tubes counts what list-tubes lists: this node's tubes and the
    /// database's.
    func testCurrentTubesCountsTheTubesListed() throws {
        let (_, url) = try database()
        let (server, a) = try node(url)
        defer { _ = server.stop() }
        let b = try RawClient(port: server.port)
        XCTAssertEqual(ask(b, "use elsewhere"), "USING elsewhere\r\n")
        XCTAssertTrue(ask(b, "put 0 0 60 1", body: "x").hasPrefix("INSERTED"))
        b.close()
        XCTAssertEqual(ask(a, "use here"), "USING here\r\n")
        XCTAssertTrue(Deadline.poll(for: 10, every: 0.05) {
            a.send("stats\r\n")
            return a.readDocument().contains("current-connections: 1\n")
        }, "B's close seen")
        a.send("list-tubes\r\n")
        let listed = a.readDocument()
        for tube in ["default", "here", "elsewhere"] { XCTAssertTrue(listed.contains("- \(tube)\n"), listed) }
        a.send("stats\r\n")
        XCTAssertTrue(a.readDocument().contains("current-tubes: 3\n"))
    }

    /// Liveness locks are per database, but pg_locks lists the server's: a
    /// killed node is found dead although a node of the same id lives in
    /// another Spool database on the server.
    func testANodeIsFoundDeadWhateverNodesOfOtherDatabasesHold() throws {
        let (fixture, url) = try database()
        let otherURL = try fixture.newDatabase()
        let (first, a) = try node(url)
        let (second, b) = try node(url)
        let (third, _) = try node(otherURL)
        let (fourth, _) = try node(otherURL)
        defer { _ = first.stop(); _ = second.stop(); _ = third.stop(); _ = fourth.stop() }
        let others = [third, fourth].compactMap { try? RawClient(port: $0.port) }.map(nodeID)
        XCTAssertTrue(others.contains(nodeID(b)), "a namesake of B lives in the other database: \(others)")
        XCTAssertTrue(ask(a, "put 0 0 3600 4", body: "held").hasPrefix("INSERTED"))
        XCTAssertTrue(askWithBody(b, "reserve-with-timeout 5").0.hasPrefix("RESERVED"))
        second.signal(SIGKILL)
        XCTAssertTrue(askWithBody(a, "reserve-with-timeout 30", timeout: 40).0.hasPrefix("RESERVED"), "B found dead")
    }

    func testPauseIsShared() throws {
        let (_, url) = try database()
        let (first, a) = try node(url)
        let (second, b) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }
        XCTAssertTrue(ask(a, "put 0 0 60 1", body: "x").hasPrefix("INSERTED"))
        XCTAssertEqual(ask(a, "pause-tube default 60"), "PAUSED\r\n")
        XCTAssertEqual(ask(b, "reserve-with-timeout 0"), "TIMED_OUT\r\n", "paused on every node")
        b.send("stats-tube default\r\n")
        XCTAssertTrue(b.readDocument().contains("pause: 60\n"))
        XCTAssertEqual(ask(b, "pause-tube default 0"), "PAUSED\r\n")
        XCTAssertTrue(askWithBody(a, "reserve-with-timeout 5").0.hasPrefix("RESERVED"))
    }

    func testANodesMetricsCountTheClustersJobs() throws {
        let (_, url) = try database()
        let httpPort = try TestScratch.freePort()
        let first = try ServerProcess.spoold(["--postgresql", url, "--http", "tcp:127.0.0.1:\(httpPort)"])
        let (second, b) = try node(url)
        defer { _ = first.stop(); _ = second.stop() }
        XCTAssertEqual(ask(b, "use shared-metrics"), "USING shared-metrics\r\n")
        for _ in 0..<3 { XCTAssertTrue(ask(b, "put 0 0 60 1", body: "x").hasPrefix("INSERTED")) }
        XCTAssertEqual(ask(b, "watch shared-metrics"), "WATCHING 2\r\n")
        XCTAssertTrue(askWithBody(b, "reserve-with-timeout 5").0.hasPrefix("RESERVED"))

        let metrics = try scrapeMetrics(port: httpPort)
        let jobs = try XCTUnwrap(metrics["jobs"] as? [String: [String: Double]])
        XCTAssertEqual(jobs["shared-metrics"], ["ready": 2, "reserved": 1, "delayed": 0, "buried": 0],
                       "the first node counts the jobs another node put and reserved")
        XCTAssertEqual((metrics["commands"] as? [String: Double])?["put"], 0, "commands are the node's own")
    }

    func testANodeUnderSocketActivationTellsSystemdAndExitsWhenIdle() throws {
        let (_, url) = try database()
        let directory = try TestScratch.temporaryDirectory()
        let notify = try NotifySocket(directory: directory)
        let unixPath = directory.appendingPathComponent("spool.sock").path
        let (process, log) = try socketActivate([
            "-l", unixPath, "-E", "NOTIFY_SOCKET=\(notify.path)", "-E", "WATCHDOG_USEC=400000",
            TestEnvironment.spoold.path, "--postgresql", url, "--exit-when-idle", "2",
        ])
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try waitForFile(unixPath)
        let client = try connectUnix(unixPath)
        client.send("put 0 0 60 1\r\nx\r\n")
        XCTAssertTrue(client.readLine().hasPrefix("INSERTED "))
        let startup = try XCTUnwrap(notify.receive(until: { $0.contains("READY=1") }), "no READY=1")
        XCTAssertTrue(startup.last?.contains("STATUS=cluster node ") ?? false, "READY comes with a STATUS line: \(startup)")
        XCTAssertNotNil(notify.receive(until: { $0 == "WATCHDOG=1" }, timeout: 2), "WATCHDOG=1 at half the interval")

        // The packaged unit reloads with SIGHUP: a node reloads its queues and serves on.
        kill(process.processIdentifier, SIGHUP)
        client.send("list-tube-used\r\n")
        XCTAssertEqual(client.readLine(), "USING default\r\n")
        XCTAssertTrue(process.isRunning)
        // A job in the database does not keep a node up: only clients do.
        XCTAssertNil(notify.receive(until: { $0.contains("STOPPING=1") }, timeout: 3), "a client is connected: not idle")
        client.close()
        XCTAssertNotNil(notify.receive(until: { $0.contains("STOPPING=1") }, timeout: 10), "no client for 2 s: it stops")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, log.text)
        XCTAssertTrue(log.text.contains("reloading the queue directory"), log.text)
    }

    private func insertedID(_ reply: String) -> UInt64? {
        guard reply.hasPrefix("INSERTED ") else { return nil }
        return UInt64(reply.dropFirst("INSERTED ".count).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testTheWorkerPoolRunsOnEveryNodeOverTheSharedQueue() throws {
        let (_, url) = try database()
        let queues = try QueueFixture()
        try queues.writeQueue("work", tube: "work", ["Workers=2", "MaxAttempts=2", "BackoffMin=100ms", "BackoffMax=100ms"])
        let pooled = ["--postgresql", url, "--queues-directory", queues.queues.path]
        let first = try ServerProcess.spoold(pooled)
        let second = try ServerProcess.spoold(pooled)
        let a = try RawClient(port: first.port)
        let b = try RawClient(port: second.port)
        XCTAssertEqual(ask(a, "use work"), "USING work\r\n")
        var ids: [UInt64] = []
        for n in 0..<12 {
            let reply = ask(a, "put 0 0 60 \("job \(n)".utf8.count)", body: "job \(n)")
            ids.append(try XCTUnwrap(insertedID(reply), reply))
        }
        let failing = ask(a, "put 0 0 60 4", body: "fail")
        let failingID = try XCTUnwrap(insertedID(failing), failing)

        // Every job runs exactly once, whichever node's worker takes it.
        XCTAssertTrue(Deadline.poll(for: 30) { queues.ended() == ids.count }, "\(queues.ended()) of \(ids.count) jobs ran")
        for id in ids {
            XCTAssertEqual(queues.started(job: id), 1, "job \(id) started once")
            // The handler leaves its marker before it exits; the job is deleted once it has.
            XCTAssertTrue(
                Deadline.poll(for: 10) { self.askWithBody(b, "stats-job \(id)").0 == "NOT_FOUND\r\n" },
                "job \(id) was deleted after its run")
        }
        // A failing job is retried, then buried with its reason: on any node.
        XCTAssertEqual(ask(b, "use work"), "USING work\r\n")
        XCTAssertTrue(Deadline.poll(for: 30) {
            self.askWithBody(b, "peek-buried").0 == "FOUND \(failingID) 4\r\n"
        }, "the failing job is buried")
        b.send("stats-job \(failingID)\r\n")
        let stats = b.readDocument()
        XCTAssertTrue(stats.contains("state: buried"), stats)
        XCTAssertTrue(stats.contains("attempts: 2"), stats)
        XCTAssertTrue(stats.contains("reason: "), stats)
        XCTAssertTrue(stats.contains("cannot handle job \(failingID)"), stats)
        XCTAssertEqual(queues.started(job: failingID), 2, "MaxAttempts=2")
    }

    func testTheControlPlaneOfANodeShowsAndChangesTheClustersQueue() throws {
        let (_, url) = try database()
        let bus = try SystemBus()
        let queues = try TestScratch.temporaryDirectory()
        let controlled = try ServerProcess.spoold(["--postgresql", url, "--bus", bus.address, "--queues-directory", queues.path])
        let (otherNode, other) = try node(url)
        defer { _ = otherNode.stop() }
        func busctl(_ arguments: [String]) throws -> String {
            let result = try runCommand("/usr/bin/busctl", ["--address=\(bus.address)"] + arguments, timeout: 30)
            return result.status == 0 ? result.output.trimmingCharacters(in: .newlines) : "failed: \(result.output)"
        }
        let queue = ["org.spool.Spool1", "/org/spool/Spool1/queue/ctl", "org.spool.Spool1.Queue"]
        let manager = ["org.spool.Spool1", "/org/spool/Spool1", "org.spool.Spool1.Manager"]
        XCTAssertTrue(Deadline.poll(for: 10) {
            (try? busctl(["call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", "org.spool.Spool1"])) == "b true"
        }, "the node owns org.spool.Spool1")

        // Jobs put on another node are the queue this node's control plane shows.
        XCTAssertEqual(ask(other, "use ctl"), "USING ctl\r\n")
        for body in ["a", "b", "c"] { XCTAssertTrue(ask(other, "put 0 0 60 1", body: body).hasPrefix("INSERTED ")) }
        XCTAssertTrue(Deadline.poll(for: 5) { (try? busctl(["get-property"] + queue + ["JobsReady"])) == "t 3" }, "JobsReady of ctl")
        XCTAssertEqual(try busctl(["get-property"] + manager + ["JobsReady"]), "t 3")

        // A pause made over D-Bus holds the tube on every node.
        XCTAssertEqual(try busctl(["call"] + queue + ["Pause", "u", "60"]), "")
        other.send("stats-tube ctl\r\n")
        XCTAssertTrue(other.readDocument().contains("pause: 60"))
        XCTAssertEqual(try busctl(["call"] + queue + ["Resume"]), "")

        // Purge deletes the cluster's ready jobs of the tube.
        XCTAssertEqual(try busctl(["call"] + queue + ["Purge", "s", "ready"]), "u 3")
        other.send("stats-tube ctl\r\n")
        XCTAssertTrue(other.readDocument().contains("current-jobs-ready: 0"))

        // Stop holds this node's reserves back; Start lets them go on.
        let client = try RawClient(port: controlled.port)
        XCTAssertEqual(ask(client, "watch ctl"), "WATCHING 2\r\n")
        XCTAssertTrue(ask(other, "put 0 0 60 1", body: "d").hasPrefix("INSERTED "))
        XCTAssertEqual(try busctl(["call"] + manager + ["Stop"]), "")
        XCTAssertEqual(ask(client, "reserve-with-timeout 1", timeout: 10), "TIMED_OUT\r\n")
        XCTAssertEqual(try busctl(["call"] + manager + ["Start"]), "")
        let (reply, body) = askWithBody(client, "reserve-with-timeout 5")
        XCTAssertTrue(reply.hasPrefix("RESERVED "), reply)
        XCTAssertEqual(body, "d")
    }

    func testANewerSchemaIsRefused() throws {
        let (fixture, url) = try database()
        let (first, _) = try node(url)
        XCTAssertEqual(first.stop(), 0)
        let name = try XCTUnwrap(url.split(separator: "@/").last?.split(separator: "?").first.map(String.init))
        try fixture.psql(name, "UPDATE spool_schema SET version = 99")
        let result = try runCommand(TestEnvironment.spoold.path, ["--postgresql", url, "--listen", "tcp:127.0.0.1:\(try TestScratch.freePort())"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("schema version 99, newer than this spoold's 2"), result.output)
    }

    func testAVersionOneSchemaIsMigratedWithItsJobs() throws {
        let (fixture, url) = try database()
        let (first, client) = try node(url)
        XCTAssertTrue(ask(client, "put 0 0 60 3", body: "old").hasPrefix("INSERTED "))
        XCTAssertEqual(first.stop(), 0)
        // The database as spoold 0.1's first cluster release left it.
        let name = try XCTUnwrap(url.split(separator: "@/").last?.split(separator: "?").first.map(String.init))
        XCTAssertEqual(try fixture.psql(name, "ALTER TABLE spool_jobs DROP COLUMN attempts, DROP COLUMN reason").status, 0)
        XCTAssertEqual(try fixture.psql(name, "UPDATE spool_schema SET version = 1").status, 0)
        let (server, migrated) = try node(url)
        let (reply, body) = askWithBody(migrated, "reserve-with-timeout 5")
        XCTAssertTrue(reply.hasPrefix("RESERVED "), "\(reply) \(server.outputSoFar)")
        XCTAssertEqual(body, "old")
        XCTAssertEqual(try fixture.psql(name, "SELECT version FROM spool_schema").output.trimmingCharacters(in: .whitespacesAndNewlines), "2")
    }

    func testNoDatabaseAtStartIsAClearError() throws {
        let result = try runCommand(TestEnvironment.spoold.path, [
            "--postgresql", "postgresql://nobody@/none?host=/nonexistent&port=1", "--listen", "tcp:127.0.0.1:\(try TestScratch.freePort())",
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("cannot start the cluster node: cannot connect to PostgreSQL"), result.output)
    }

    /// The third-party suites the local store passes (greenstalk, pystalk,
    /// beaneater), unchanged, each against a node on a fresh database.
    /// The differential conversations of ``DifferentialTests`` against a
    /// node: it answers byte for byte as beanstalkd does.
    func testANodeAnswersLikeBeanstalkd() throws {
        let (_, url) = try database()
        let reference = try ServerProcess.beanstalkd()
        let node = try ServerProcess.spoold(["--postgresql", url])
        let script = TestEnvironment.clients.appendingPathComponent("differential.py").path
        // One more run for a conversation that differs: against a node the
        // reference beanstalkd idles longer between conversations, and twice
        // in about ten runs its TTR timer was 20 s late (ttr-expiry). A real
        // difference differs again.
        let result = try runCommand(
            TestEnvironment.python, [script, "--retries", "1", "--a", reference.address, "--b", node.address], timeout: 900)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains(" passed, 0 failed"), result.output)
    }

    func testThirdPartyClientSuitesAgainstANode() throws {
        let python = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
        let suites: [(String, [String])] = [
            (TestEnvironment.python, python + [TestEnvironment.clients.appendingPathComponent("python/test_greenstalk.py").path]),
            (TestEnvironment.python, python + [TestEnvironment.clients.appendingPathComponent("python/test_pystalk.py").path]),
            ("/usr/bin/ruby", [TestEnvironment.clients.appendingPathComponent("ruby/beaneater_test.rb").path]),
        ]
        for (executable, arguments) in suites {
            let (_, url) = try database()
            let server = try ServerProcess.spoold(["--postgresql", url])
            defer { _ = server.stop() }
            let result = try runCommand(executable, arguments, environment: ["SPOOL_TEST_ADDR": server.address], timeout: 600)
            XCTAssertEqual(result.status, 0, "\(arguments.last ?? ""):\n\(result.output)")
            XCTAssertTrue(server.process.isRunning, server.output)
        }
    }

    /// PostgreSQL stopped (as a crash: `-m immediate`) and started again
    /// while a producer puts without pause: every put acknowledged before,
    /// during and after is in the database, once; while the database is away
    /// puts answer INTERNAL_ERROR, never INSERTED; the node serves again.
    func testPostgresRestartedUnderLoadLosesNothingAcknowledged() throws {
        let (fixture, url) = try database()
        let (server, _) = try node(url)
        defer { _ = server.stop() }
        let load = PutLoad(port: server.port)
        XCTAssertTrue(load.waitFor(200), "the node serves puts (refused: \(load.refused.values.suffix(3)))")
        fixture.stop()
        let beforeRestart = load.acknowledged.values.count
        usleep(500_000)
        try fixture.start()
        XCTAssertTrue(load.waitFor(beforeRestart + 200), "the node serves again (refused: \(load.refused.values.suffix(3)))")
        XCTAssertTrue(load.stop())
        XCTAssertFalse(load.refused.values.isEmpty, "puts were refused while the database was away")
        XCTAssertTrue(load.refused.values.allSatisfy { $0 == "INTERNAL_ERROR\r\n" }, "\(Set(load.refused.values))")
        let name = try XCTUnwrap(url.split(separator: "@/").last?.split(separator: "?").first.map(String.init))
        try assertStoredOnce(load.acknowledged.values) { try fixture.psql(name, $0) }
    }

    /// A primary with a synchronous streaming standby: the primary's
    /// postmaster killed with SIGKILL under a continuous producer, the standby
    /// promoted; the node, given both hosts with `target_session_attrs=
    /// read-write`, carries on against the promoted standby, and every put
    /// acknowledged before the failover is on it, once.
    func testFailoverToASynchronousStandbyLosesNothingAcknowledged() throws {
        let fixture = try PostgresFixture()
        defer { fixture.stop() }
        let name = try fixture.newDatabaseName()
        try fixture.addSynchronousStandby()
        let server = try ServerProcess.spoold(["--postgresql", try fixture.failoverURL(name)])
        defer { _ = server.stop() }
        let load = PutLoad(port: server.port)
        XCTAssertTrue(load.waitFor(200), "the node serves puts (refused: \(load.refused.values.suffix(3)))")
        try fixture.failOver()
        let beforeFailover = load.acknowledged.values.count
        XCTAssertTrue(load.waitFor(beforeFailover + 200), "the node serves on the promoted standby (refused: \(load.refused.values.suffix(3)))")
        XCTAssertTrue(load.stop())
        XCTAssertTrue(load.refused.values.allSatisfy { $0 == "INTERNAL_ERROR\r\n" }, "\(Set(load.refused.values))")
        try assertStoredOnce(load.acknowledged.values) { try fixture.psqlOnStandby(name, $0) }
    }

    /// Every id in `ids` is distinct and stored, as `query` (psql on the
    /// database) counts them.
    private func assertStoredOnce(_ ids: [UInt64], file: StaticString = #filePath, line: UInt = #line,
                                  query: (String) throws -> CommandResult) throws {
        XCTAssertEqual(Set(ids).count, ids.count, "no id acknowledged twice", file: file, line: line)
        let list = ids.map(String.init).joined(separator: ",")
        let present = try query("SELECT count(*) FROM spool_jobs WHERE id IN (\(list))")
        XCTAssertEqual(present.output.trimmingCharacters(in: .whitespacesAndNewlines), "\(ids.count)",
                       "every acknowledged job is stored", file: file, line: line)
    }

    /// Nodes killed with SIGKILL under load, again and again, two at a time
    /// on one database (producers and consumers on the first, the second
    /// just alive): every acknowledged put is there exactly once, no deleted
    /// job comes back, and the jobs a dead node's workers held return.
    func testNodesKilledUnderLoadLoseNothingAndResurrectNothing() throws {
        let (_, url) = try database()
        let load = CrashLoad(producers: 3, consumers: 2)
        defer { _ = load.stop() }
        for round in 1...10 {
            let first = try ServerProcess.spoold(["--postgresql", url])
            let second = try ServerProcess.spoold(["--postgresql", url])
            load.serve(port: first.port, generation: round)
            Thread.sleep(forTimeInterval: .random(in: 0.1...0.4))
            load.serverGone()
            for node in [first, second] {
                node.signal(SIGKILL)
                node.process.waitUntilExit()
            }
        }
        XCTAssertTrue(load.stop(), "the load threads stop once the nodes are gone")

        let last = try ServerProcess.spoold(["--postgresql", url])
        defer { _ = last.stop() }
        let client = try JobClient(port: last.port)
        var drained: [JobClient.Job] = []
        // The dead nodes' reservations come back with the rescue (1-2 s).
        while let job = client.reserve(timeout: 5) {
            drained.append(job)
            XCTAssertEqual(client.send("delete \(job.id)"), "DELETED")
        }
        XCTAssertEqual(client.lastReply, "TIMED_OUT", "the drain ends with an empty queue")
        let summary = load.ledger.summary
        let problems = load.ledger.problems(afterDraining: drained)
        XCTAssertTrue(problems.isEmpty, "\(problems.count) problems:\n" + problems.prefix(30).joined(separator: "\n"))
        XCTAssertGreaterThan(summary.inserted, 100, "the load was too light to test anything: \(summary)")
        XCTAssertGreaterThan(summary.reservedNotDeleted, 0, "no reserved job had to come back: \(summary)")
        print("cluster: 10 rounds of two killed nodes: \(summary); \(drained.count) jobs drained")
    }
}

/// A producer on a thread of its own that puts 4-byte jobs without pause,
/// recording the ids acknowledged and every other reply.
final class PutLoad: @unchecked Sendable {
    let acknowledged = Recorder<UInt64>()
    let refused = Recorder<String>()
    private let stopping = Recorder<Bool>()
    private let done = DispatchSemaphore(value: 0)

    init(port: Int) {
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            guard let client = try? RawClient(port: port) else { return refused.append("cannot connect") }
            while stopping.values.isEmpty {
                client.send("put 0 0 60 4\r\nload\r\n")
                let reply = client.readLine(timeout: 30)
                if reply.hasPrefix("INSERTED "), let id = UInt64(reply.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)) {
                    acknowledged.append(id)
                } else {
                    refused.append(reply)
                }
            }
        }
    }

    /// Waits (at most 60 s) until `count` puts were acknowledged.
    func waitFor(_ count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while acknowledged.values.count < count, Date() < deadline { usleep(10_000) }
        return acknowledged.values.count >= count
    }

    /// Stops the producer after its current put; false if it did not stop.
    func stop() -> Bool {
        stopping.append(true)
        return done.wait(timeout: .now() + 30) == .success
    }
}
