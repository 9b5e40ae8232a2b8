import Foundation
import SpoolTestSupport
import XCTest

/// Hostile and heavy clients against a real spoold: it must neither crash,
/// stall the other clients, nor grow without bound.
final class RobustnessTests: XCTestCase {
    func testThousandsOfConnectionsAreServedAtOnce() throws {
        let server = try ServerProcess.spoold()
        let count = 2_000
        let clients = try (0..<count).map { _ in try RawClient(port: server.port) }
        for (index, client) in clients.enumerated() { client.send("use t\(index % 10)\r\n") }
        for (index, client) in clients.enumerated() {
            XCTAssertEqual(client.readLine(), "USING t\(index % 10)\r\n")
        }
        let observer = try RawClient(port: server.port)
        observer.send("stats\r\n")
        let body = observer.readDocument()
        XCTAssertTrue(body.contains("current-connections: \(count + 1)\n"), body)
    }

    func testAStalledClientDoesNotBlockOthers() throws {
        let server = try ServerProcess.spoold()
        let stalled = try RawClient(port: server.port)
        stalled.send("put 0 0 5 100\r\nonly part of the body")
        let observer = try JobClient(port: server.port)
        XCTAssertTrue(Deadline.poll(for: 5) { observer.stats("stats")["cmd-put"] == "1" }, "the stalled put took id 1")
        let halfLine = try RawClient(port: server.port)
        halfLine.send("reserve-with-tim")
        let other = try RawClient(port: server.port)
        other.send("put 0 0 5 2\r\nok\r\nreserve-with-timeout 0\r\n")
        XCTAssertEqual(other.read(matching: "INSERTED 2\r\nRESERVED 2 2\r\nok\r\n"), "INSERTED 2\r\nRESERVED 2 2\r\nok\r\n")
    }

    /// Connection churn: 20,000 connections that come and go, some with half
    /// a command or a put's body unfinished, some waiting in a reserve, leave
    /// nothing behind: no connection, waiter or descriptor more than before,
    /// and memory back near where it was.
    func testConnectionChurnLeavesNothingBehind() throws {
        let server = try ServerProcess.spoold()
        let observer = try JobClient(port: server.port)
        let connectionsBefore = try XCTUnwrap(Int(observer.stats("stats")["total-connections"] ?? ""))
        let descriptors = try XCTUnwrap(server.openDescriptors)
        let before = try XCTUnwrap(server.residentKiB)
        let openings = ["", "reserve\r\n", "put 0 0 5 10\r\nhalf", "stats-tu", "use churn\r\nwatch churn\r\nreserve-with-timeout 60\r\n"]
        for index in 0..<20_000 {
            let client = try RawClient(port: server.port)
            if !openings[index % openings.count].isEmpty { client.send(openings[index % openings.count]) }
            client.close()
        }
        XCTAssertTrue(Deadline.poll(for: 10) {
            let stats = observer.stats("stats")
            return stats["current-connections"] == "1" && stats["current-waiting"] == "0"
        }, "every connection and waiter is gone: \(observer.stats("stats"))")
        XCTAssertEqual(observer.stats("stats")["total-connections"], "\(connectionsBefore + 20_000)")
        XCTAssertEqual(server.openDescriptors, descriptors, "no descriptor left behind")
        let grown = try XCTUnwrap(server.residentKiB) - before
        print("20,000 connections came and went: spoold's RSS grew by \(grown) KiB")
        XCTAssertLessThan(grown, 8 * 1024)
    }

    /// 1,000 clients waiting in `reserve` vanish at once: none of them is
    /// given the next job (it stays ready for a live client), and the
    /// waiting and connection counts fall back to zero.
    func testWaitersVanishingAtOnceTakeNoJob() throws {
        let server = try ServerProcess.spoold()
        let observer = try JobClient(port: server.port)
        let waiters = try (0..<1_000).map { _ in try RawClient(port: server.port) }
        waiters.forEach { $0.send("reserve\r\n") }
        XCTAssertTrue(Deadline.poll(for: 10) { observer.stats("stats")["current-waiting"] == "1000" }, "1,000 waiting")
        waiters.forEach { $0.close() }
        XCTAssertTrue(Deadline.poll(for: 10) { observer.stats("stats")["current-waiting"] == "0" }, "nobody waits any more")
        let id = try XCTUnwrap(observer.putID("for the living"))
        XCTAssertEqual(observer.stats("stats-job \(id)")["state"], "ready", "no vanished waiter took it")
        let worker = try JobClient(port: server.port)
        XCTAssertEqual(worker.reserve(timeout: 0)?.id, id)
        XCTAssertEqual(observer.stats("stats")["current-connections"], "2")
    }

    /// Clients waiting in `reserve` that go on sending (and never read) park
    /// a few KiB each, not a megabyte: a waiting connection is hardly read,
    /// as beanstalkd does not read one at all (before: +944 MB for 1,000).
    /// A hang-up is still seen, and the waits still end with a job.
    func testWaitingClientsThatKeepSendingParkLittleInput() throws {
        let server = try ServerProcess.spoold()
        let observer = try JobClient(port: server.port)
        let before = try XCTUnwrap(server.peakResidentKiB)
        let flood = Array(String(repeating: "stats\r\n", count: 128 * 1024).utf8)
        let waiters = try (0..<100).map { _ in try RawClient(port: server.port) }
        var sent = 0
        for waiter in waiters {
            waiter.send("reserve\r\n")
            sent += waiter.sendWithoutBlocking(flood)
        }
        XCTAssertTrue(Deadline.poll(for: 10) { observer.stats("stats")["current-waiting"] == "100" }, "100 waiting")
        let grown = try XCTUnwrap(server.peakResidentKiB) - before
        print("100 waiting clients sent \(sent / 1024) KiB more: spoold's peak RSS grew by \(grown) KiB")
        XCTAssertLessThan(grown, 16 * 1024)
        let id = try XCTUnwrap(observer.putID("for a waiter"))
        XCTAssertTrue(Deadline.poll(for: 10) { observer.stats("stats-job \(id)")["state"] == "reserved" }, "a waiter took it")
        waiters.forEach { $0.close() }
        XCTAssertTrue(Deadline.poll(for: 10) { observer.stats("stats")["current-connections"] == "1" }, "hang-ups seen")
    }

    /// A burst that drained gives its memory back: 5,000 jobs of 4 KiB
    /// queued in memory and then deleted leave spoold's RSS where it was
    /// before them, once the host has had malloc return the freed pages
    /// (glibc kept them otherwise: 53 MB after such a burst, beanstalkd 3 MB).
    func testTheMemoryOfADrainedBurstGoesBackToTheKernel() throws {
        let server = try ServerProcess.spoold(["--durability", "off", "-z", "8192"])
        let client = try RawClient(port: server.port)
        client.send("list-tube-used\r\n")
        XCTAssertEqual(client.readLine(), "USING default\r\n")
        let before = try XCTUnwrap(server.residentKiB)
        let jobs = 5_000
        let body = String(repeating: "m", count: 4096)
        client.send(String(repeating: "put 0 0 60 4096\r\n\(body)\r\n", count: jobs))
        for _ in 0..<jobs { XCTAssertTrue(client.readLine().hasPrefix("INSERTED "), "stored") }
        let queued = try XCTUnwrap(server.residentKiB)
        XCTAssertGreaterThan(queued - before, 16 * 1024, "20 MB of bodies are held while queued")
        for id in 1...jobs { client.send("delete \(id)\r\n") }
        for _ in 0..<jobs { XCTAssertEqual(client.readLine(), "DELETED\r\n") }
        let drained = server.residentKiB(fallingBelow: before + 8 * 1024, from: queued)
        XCTAssertLessThan(drained, before + 8 * 1024, "RSS \(before) KiB before the burst, \(queued) KiB with it queued, still \(drained) KiB once it drained")
    }

    /// Connections that came and went give their memory back: 2,500
    /// clients answered once and gone leave spoold's RSS near where it was
    /// before them (glibc kept it otherwise: 41 MB after 10,000).
    func testTheMemoryOfClosedConnectionsGoesBackToTheKernel() throws {
        let server = try ServerProcess.spoold(["--durability", "off"])
        let observer = try JobClient(port: server.port)
        let before = try XCTUnwrap(server.residentKiB)
        let clients = try (0..<2_500).map { _ in try RawClient(port: server.port) }
        for client in clients { client.send("list-tube-used\r\n") }
        for client in clients { XCTAssertEqual(client.readLine(), "USING default\r\n") }
        let open = try XCTUnwrap(server.residentKiB)
        XCTAssertGreaterThan(open - before, 6 * 1024, "2,500 connections hold some memory")
        clients.forEach { $0.close() }
        XCTAssertTrue(Deadline.poll(for: 10) { observer.stats("stats")["current-connections"] == "1" }, "hang-ups seen")
        let closed = server.residentKiB(fallingBelow: before + 3 * 1024, from: open)
        XCTAssertLessThan(closed, before + 3 * 1024, "RSS \(before) KiB before the clients, \(open) KiB with them, still \(closed) KiB once they left")
    }

    /// Reply amplification: eight clients pipeline `peek` of a 60 KB job and
    /// never read. Each 8-byte command would make a 60 KB reply; spoold stops
    /// running a connection's commands while about one maximum-size job of
    /// replies is owed, and stops reading it, so its memory grows by a bounded
    /// amount per connection (not by gigabytes), the others are served
    /// meanwhile, and a flooder that starts reading gets every reply in order.
    func testClientsThatNeverReadCostBoundedMemory() throws {
        let server = try ServerProcess.spoold(["-z", "65535"])
        let setup = try RawClient(port: server.port)
        let body = String(repeating: "b", count: 60_000)
        setup.send("put 0 0 5 60000\r\n\(body)\r\n")
        XCTAssertEqual(setup.readLine(), "INSERTED 1\r\n")
        let before = try XCTUnwrap(server.residentKiB)
        let burst = Array(String(repeating: "peek 1\r\n", count: 125_000).utf8)
        let other = try RawClient(port: server.port)
        var flooders: [RawClient] = []
        for _ in 0..<8 {
            let flooder = try RawClient(port: server.port)
            var blocked = false
            for _ in 0..<64 where !blocked {
                blocked = flooder.sendWithoutBlocking(burst) < burst.count
                other.send("list-tube-used\r\n")
                XCTAssertEqual(other.readLine(), "USING default\r\n", "the others are served meanwhile")
            }
            XCTAssertTrue(blocked, "the server stops reading from a client that does not read its replies")
            flooders.append(flooder)
        }
        let grown = try XCTUnwrap(server.residentKiB) - before
        print("8 clients owed 60 KB replies: spoold's RSS grew by \(grown) KiB")
        XCTAssertLessThan(grown, 8 * 4 * 1024, "8 clients owed 60 KB replies must cost bounded memory (\(grown) KiB)")
        for flooder in flooders {
            XCTAssertEqual(flooder.readLine(timeout: 10), "FOUND 1 60000\r\n")
            XCTAssertEqual(flooder.read(count: 60_002, timeout: 10), body + "\r\n")
            XCTAssertEqual(flooder.readLine(timeout: 10), "FOUND 1 60000\r\n", "the next reply follows in order")
        }
    }

    /// Oversized bodies in every durability mode: a put one byte over `-z`
    /// and one of 8 MiB over `-z 1000` are answered JOB_TOO_BIG with the
    /// connection still usable, the body skipped rather than kept (RSS grows
    /// by less than the body), a put of exactly `-z` bytes is stored, and the
    /// store stays healthy (a delete still works).
    func testOversizedBodiesInEveryDurabilityMode() throws {
        let modes: [(String, [String])] = [
            ("off", ["--durability", "off"]),
            ("always", ["--durability", "always"]),
            ("interval:100", ["--durability", "interval:100"]),
            ("nosync", ["--durability", "nosync"]),
        ]
        for (mode, durability) in modes {
            let store = mode == "off" ? [] : ["--state-directory", try TestScratch.temporaryDirectory().path]
            let server = try ServerProcess.spoold(store + durability + ["-z", "1000"])
            let client = try RawClient(port: server.port)
            client.send("put 0 0 5 1001\r\n" + String(repeating: "o", count: 1001) + "\r\nlist-tube-used\r\n")
            XCTAssertEqual(client.read(matching: "JOB_TOO_BIG\r\nUSING default\r\n"), "JOB_TOO_BIG\r\nUSING default\r\n", mode)
            let before = try XCTUnwrap(server.residentKiB)
            client.send(Array("put 0 0 5 8388608\r\n".utf8) + [UInt8](repeating: 0x62, count: 8 << 20) + Array("\r\n".utf8))
            XCTAssertEqual(client.readLine(), "JOB_TOO_BIG\r\n", mode)
            XCTAssertLessThan(try XCTUnwrap(server.residentKiB) - before, 4 * 1024, "\(mode): an oversized body is skipped, not kept")
            client.send("put 0 0 5 1000\r\n" + String(repeating: "k", count: 1000) + "\r\n")
            XCTAssertEqual(client.readLine(), "INSERTED 1\r\n", mode)
            client.send("delete 1\r\nstats\r\n")
            XCTAssertEqual(client.readLine(), "DELETED\r\n", mode)
            let stats = client.readDocument()
            XCTAssertTrue(stats.contains("durability: \(mode)\n"), stats)
            XCTAssertTrue(stats.contains("cmd-put: 3\n"), stats)
            XCTAssertEqual(server.stop(), 0, mode)
        }
    }

    /// Out of file descriptors (EMFILE): spoold does not spin on accept(2),
    /// the connections it has keep being served, it says so once, and it
    /// accepts again when descriptors free up.
    func testRunningOutOfFileDescriptorsDoesNotSpin() throws {
        let server = try ServerProcess.spoold(fileLimit: 64)
        let clients = try (0..<100).map { _ in try RawClient(port: server.port) }
        clients[0].send("list-tube-used\r\n")
        XCTAssertEqual(clients[0].readLine(), "USING default\r\n", "an accepted client is served")
        clients.last!.send("list-tube-used\r\n")
        XCTAssertTrue(Deadline.poll(for: 10) { server.outputSoFar.contains("out of file descriptors") }, server.outputSoFar)
        let before = try XCTUnwrap(server.cpuTicks)
        let window = Date().addingTimeInterval(2)
        while Date() < window {
            clients[0].send("list-tube-used\r\n")
            XCTAssertEqual(clients[0].readLine(), "USING default\r\n", "still served while the limit is hit")
            usleep(100_000)
        }
        let used = try XCTUnwrap(server.cpuTicks) - before
        XCTAssertLessThan(used, Int(sysconf(Int32(_SC_CLK_TCK))) / 2, "under half a CPU-second in 2 s: the accept loop does not spin")
        for client in clients[1..<60] { client.close() }
        XCTAssertEqual(clients.last!.readLine(timeout: 10), "USING default\r\n", "accepted and served once descriptors are free")
        XCTAssertTrue(Deadline.poll(for: 5) { server.outputSoFar.contains("accepting connections again") }, server.outputSoFar)
        XCTAssertEqual(server.outputSoFar.components(separatedBy: "out of file descriptors").count, 2, "said once")
    }

    func testRandomGarbageNeverCrashesTheServer() throws {
        let server = try ServerProcess.spoold(["-z", "1000"])
        var generator = SystemRandomNumberGenerator()
        let words = ["put ", "reserve", "delete ", "use ", "\r\n", "\r", "\n", " ", "0", "4294967296", "-", "kick ",
                     "peek", "stats-tube ", "pause-tube ", "release ", "bury ", "watch ", "ignore ", "\0", "99999"]
        for _ in 0..<50 {
            let client = try RawClient(port: server.port)
            var bytes = [UInt8]()
            for _ in 0..<400 {
                if Bool.random(using: &generator) {
                    bytes += Array(words.randomElement(using: &generator)!.utf8)
                } else {
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                }
            }
            client.send(bytes)
            client.close()
        }
        let probe = try RawClient(port: server.port)
        probe.send("list-tube-used\r\n")
        XCTAssertEqual(probe.readLine(), "USING default\r\n")
        XCTAssertTrue(server.process.isRunning)
    }
}
