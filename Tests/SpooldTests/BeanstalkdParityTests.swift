import Foundation
import XCTest

/// Differences from beanstalkd that randomized differential testing found,
/// each a conversation run against Debian's beanstalkd and spoold (fresh
/// ones) with the same expected replies.
final class BeanstalkdParityTests: XCTestCase {
    private func onBothServers(_ body: (ServerProcess, String) throws -> Void) throws {
        for (name, start) in [("beanstalkd", { try ServerProcess.beanstalkd() }), ("spoold", { try ServerProcess.spoold() })] {
            try body(try start(), name)
        }
    }

    /// Sends a put's command line alone on a new connection and waits until
    /// the server has counted it; returns that connection and an observer,
    /// which has checked `current-producers`.
    private func startPut(_ line: String, on server: ServerProcess, producers: String, _ name: String) throws -> (RawClient, JobClient) {
        let client = try RawClient(port: server.port)
        let observer = try JobClient(port: server.port)
        client.send(line + "\r\n")
        XCTAssertTrue(Deadline.poll(for: 5) { observer.stats("stats")["cmd-put"] == "1" }, "counted before the body (\(name))")
        XCTAssertEqual(observer.stats("stats")["current-producers"], producers, name)
        return (client, observer)
    }

    /// A put's id is taken, and the put counted, when its command line
    /// arrives: a put whose body comes later keeps the lower id, and of two
    /// jobs of equal priority its job is reserved first.
    func testAPutTakesItsIDWhenItsLineArrives() throws {
        try onBothServers { server, name in
            let (slow, observer) = try startPut("put 0 0 60 4", on: server, producers: "1", name)
            XCTAssertEqual(observer.put("fast"), "INSERTED 2", name)
            slow.send("slow\r\n")
            XCTAssertEqual(slow.readLine(), "INSERTED 1\r\n", name)
            XCTAssertEqual(observer.reserve(timeout: 0)?.body, "slow", "the put that began first is first (\(name))")
        }
    }

    /// A put that ends in EXPECTED_CRLF still used an id.
    func testAPutEndingInExpectedCRLFUsesAnID() throws {
        try onBothServers { server, name in
            let client = try RawClient(port: server.port)
            client.send("put 0 0 60 3\r\nabcde")
            XCTAssertEqual(client.readLine(), "EXPECTED_CRLF\r\n", name)
            client.send("put 0 0 60 1\r\nx\r\n")
            XCTAssertEqual(client.readLine(), "INSERTED 2\r\n", name)
        }
    }

    /// An oversized put counts as a put as soon as its line arrives, while
    /// its body is still being skipped, and does not make a producer.
    func testAnOversizedPutCountsWhenItsLineArrives() throws {
        try onBothServers { server, name in
            let (client, observer) = try startPut("put 0 0 60 70000", on: server, producers: "0", name)
            client.send(String(repeating: "x", count: 70_000) + "\r\n")
            XCTAssertEqual(client.readLine(), "JOB_TOO_BIG\r\n", name)
            XCTAssertEqual(observer.stats("stats")["cmd-put"], "1", name)
        }
    }

    /// A pause-tube with a name and a delay but an invalid name is answered
    /// BAD_FORMAT and still counted; one without a name or a delay is not.
    func testAPauseTubeWithAnInvalidNameCounts() throws {
        try onBothServers { server, name in
            let client = try JobClient(port: server.port)
            for (line, count) in [("pause-tube", 0), ("pause-tube -bad 10", 1), ("pause-tube t x", 1), ("pause-tubex", 1),
                                  ("pause-tube \(String(repeating: "t", count: 201)) 1", 2)] {
                XCTAssertEqual(client.send(line), "BAD_FORMAT", "\(line) (\(name))")
                XCTAssertEqual(client.stats("stats")["cmd-pause-tube"], "\(count)", "after \(line.prefix(20)) (\(name))")
            }
            XCTAssertEqual(client.send("pause-tube default 0"), "PAUSED", name)
            XCTAssertEqual(client.stats("stats")["cmd-pause-tube"], "3", name)
        }
    }

    /// Tubes freed when a connection closes leave `list-tubes` in
    /// beanstalkd's order: its watch list is let go of first item first,
    /// then from the last back.
    func testListTubesOrderAfterTubesAreFreed() throws {
        try onBothServers { server, name in
            let first = try JobClient(port: server.port)
            _ = first.send("watch A")
            _ = first.send("watch B")
            let second = try JobClient(port: server.port)
            _ = second.send("watch C")
            let third = try JobClient(port: server.port)
            _ = third.send("use D")
            XCTAssertEqual(third.list("list-tubes"), ["default", "A", "B", "C", "D"], name)
            first.close()
            XCTAssertTrue(Deadline.poll(for: 5) { third.list("list-tubes").count == 3 }, name)
            XCTAssertEqual(third.list("list-tubes"), ["default", "C", "D"], name)
        }
    }
}
