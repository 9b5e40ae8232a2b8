import Foundation
import XCTest

/// Byte-exact conversations with a real spoold process.
final class WireProtocolTests: XCTestCase {
    private var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess.spoold(["-z", "100"])
    }

    override func tearDown() {
        server = nil
    }

    private func client() throws -> RawClient { try RawClient(port: server.port) }

    /// Sends `request` and expects exactly `reply` back.
    private func assertExchange(_ client: RawClient, _ request: String, _ reply: String, line: UInt = #line) {
        client.send(request)
        XCTAssertEqual(client.read(matching: reply), reply, line: line)
    }

    func testJobLifecycle() throws {
        let c = try client()
        assertExchange(c, "use jobs\r\n", "USING jobs\r\n")
        assertExchange(c, "put 10 0 30 5\r\nhello\r\n", "INSERTED 1\r\n")
        assertExchange(c, "watch jobs\r\nignore default\r\n", "WATCHING 2\r\nWATCHING 1\r\n")
        assertExchange(c, "reserve\r\n", "RESERVED 1 5\r\nhello\r\n")
        assertExchange(c, "release 1 20 0\r\nreserve-with-timeout 1\r\n", "RELEASED\r\nRESERVED 1 5\r\nhello\r\n")
        assertExchange(c, "bury 1 30\r\npeek-buried\r\n", "BURIED\r\nFOUND 1 5\r\nhello\r\n")
        assertExchange(c, "kick 10\r\npeek-ready\r\n", "KICKED 1\r\nFOUND 1 5\r\nhello\r\n")
        assertExchange(c, "delete 1\r\ndelete 1\r\n", "DELETED\r\nNOT_FOUND\r\n")
    }

    func testErrorsKeepTheConnectionUsable() throws {
        let c = try client()
        assertExchange(c, "put 0 0 1 101\r\n" + String(repeating: "x", count: 101) + "\r\nlist-tube-used\r\n",
                 "JOB_TOO_BIG\r\nUSING default\r\n")
        assertExchange(c, String(repeating: "y", count: 1000) + "\r\nlist-tube-used\r\n", "BAD_FORMAT\r\nUSING default\r\n")
        assertExchange(c, "put 0 0 1 2\r\nabcd\r\n", "EXPECTED_CRLF\r\nUNKNOWN_COMMAND\r\n")
        assertExchange(c, "frobnicate\r\nuse -bad\r\nlist-tube-used\r\n", "UNKNOWN_COMMAND\r\nBAD_FORMAT\r\nUSING default\r\n")
    }

    func testPipelinedAndByteByByte() throws {
        let c = try client()
        let request = "use p\r\nput 0 0 5 1\r\na\r\nput 0 0 5 1\r\nb\r\nwatch p\r\nreserve\r\n"
        let reply = "USING p\r\nINSERTED 1\r\nINSERTED 2\r\nWATCHING 2\r\nRESERVED 1 1\r\na\r\n"
        assertExchange(c, request, reply)
        let slow = try client()
        for byte in "use p\r\nput 0 0 5 1\r\nc\r\n".utf8 { slow.send([byte]) }
        XCTAssertEqual(slow.read(matching: "USING p\r\nINSERTED 3\r\n"), "USING p\r\nINSERTED 3\r\n")
    }

    func testBlockedReserveIsWokenByAPut() throws {
        let worker = try client()
        worker.send("reserve\r\n")
        XCTAssertEqual(worker.read(count: 1, timeout: 0.2), "", "nothing to reserve yet")
        let producer = try client()
        assertExchange(producer, "put 0 0 5 2\r\nhi\r\n", "INSERTED 1\r\n")
        XCTAssertEqual(worker.read(matching: "RESERVED 1 2\r\nhi\r\n"), "RESERVED 1 2\r\nhi\r\n")
    }

    func testHalfClosedWaiterGetsTimedOut() throws {
        let c = try client()
        c.send("reserve\r\n")
        c.shutdownWrite()
        XCTAssertEqual(c.readLine(), "TIMED_OUT\r\n")
        XCTAssertTrue(c.isClosedByPeer())
    }

    func testDisconnectReleasesReservation() throws {
        let first = try client()
        assertExchange(first, "put 0 0 100 1\r\nz\r\nreserve\r\n", "INSERTED 1\r\nRESERVED 1 1\r\nz\r\n")
        first.close()
        let second = try client()
        assertExchange(second, "reserve-with-timeout 5\r\n", "RESERVED 1 1\r\nz\r\n")
    }

    func testTTRExpiryAndDeadlineSoon() throws {
        let c = try client()
        assertExchange(c, "put 0 0 1 1\r\nq\r\nreserve\r\n", "INSERTED 1\r\nRESERVED 1 1\r\nq\r\n")
        assertExchange(c, "reserve\r\n", "DEADLINE_SOON\r\n")
        let other = try client()
        assertExchange(other, "reserve-with-timeout 5\r\n", "RESERVED 1 1\r\nq\r\n")
        other.send("stats-job 1\r\n")
        let body = other.readDocument()
        XCTAssertTrue(body.contains("state: reserved\n"), body)
        XCTAssertTrue(body.contains("timeouts: 1\n"), body)
        XCTAssertTrue(body.contains("reserves: 2\n"), body)
    }

    func testDrainModeOnSIGUSR1() throws {
        let c = try client()
        assertExchange(c, "put 0 0 5 1\r\na\r\n", "INSERTED 1\r\n")
        server.signal(SIGUSR1)
        let deadline = Date().addingTimeInterval(5)
        var reply = ""
        while Date() < deadline {
            c.send("put 0 0 5 1\r\nb\r\n")
            reply = c.readLine()
            if reply == "DRAINING\r\n" { break }
        }
        XCTAssertEqual(reply, "DRAINING\r\n")
        c.send("stats\r\n")
        let body = c.readDocument()
        XCTAssertTrue(body.contains("draining: true\n"), body)
        assertExchange(c, "reserve-with-timeout 0\r\n", "RESERVED 1 1\r\na\r\n")
    }

    func testQuitAndStopOnSIGTERM() throws {
        let c = try client()
        assertExchange(c, "list-tube-used\r\nquit\r\n", "USING default\r\n")
        XCTAssertTrue(c.isClosedByPeer())
        XCTAssertEqual(server.stop(), 0, "SIGTERM is a clean stop")
    }
}
