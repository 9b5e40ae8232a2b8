import XCTest

/// Tube limits through the real daemon: `--max-jobs` with `--when-full
/// wait` holds a put, unanswered, until a delete makes room (backpressure
/// without loss); with `refuse` the put is answered `OUT_OF_MEMORY`.
final class TubeLimitsTests: XCTestCase {
    func testAPutIntoAFullTubeWaitsForRoomThenIsTaken() throws {
        let server = try ServerProcess.spoold(["--max-jobs", "2", "--when-full", "wait"])
        let client = try JobClient(port: server.port)
        let first = try XCTUnwrap(client.putID("one"))
        XCTAssertNotNil(client.putID("two"))
        let held = try JobClient(port: server.port)
        held.sendWithoutWaiting("put 0 0 60 5", body: "three")
        XCTAssertTrue(Deadline.poll(for: 5) { client.stats("stats-tube default")["current-puts-waiting"] == "1" })
        XCTAssertEqual(held.awaitReply(timeout: 0.2), "", "no reply while the tube is full")
        let stats = client.stats("stats-tube default")
        XCTAssertEqual(stats["max-jobs"], "2")
        XCTAssertEqual(stats["when-full"], "wait")
        XCTAssertEqual(stats["current-jobs-ready"], "2")
        XCTAssertEqual(client.send("delete \(first)"), "DELETED")
        let reply = held.awaitReply(timeout: 5)
        let id = try XCTUnwrap(JobClient.insertedID(in: reply), reply)
        XCTAssertEqual(client.peek(id)?.body, "three")
        XCTAssertEqual(client.stats("stats-tube default")["current-puts-waiting"], "0")
    }

    func testAPutIntoAFullTubeIsRefusedByDefaultAndOtherTubesTakeJobs() throws {
        let server = try ServerProcess.spoold(["--max-bytes", "8"])
        let client = try JobClient(port: server.port)
        XCTAssertNotNil(client.putID("12345"))
        XCTAssertEqual(client.put("1234"), "OUT_OF_MEMORY")
        XCTAssertEqual(client.stats("stats-tube default")["current-bytes"], "5")
        XCTAssertEqual(client.send("use other"), "USING other")
        XCTAssertNotNil(client.putID("1234"))
    }

    /// The memory ceiling refuses new jobs before the kernel would have to
    /// kill spoold; a delete makes room again.
    func testTheMemoryCeilingRefusesPutsUntilJobsLeave() throws {
        let server = try ServerProcess.spoold(["--memory-limit", "8K"])
        let client = try JobClient(port: server.port)
        var ids: [UInt64] = []
        var refusal = ""
        for _ in 0..<100 where refusal.isEmpty {
            let reply = client.put(String(repeating: "m", count: 1000))
            if let id = JobClient.insertedID(in: reply) { ids.append(id) } else { refusal = reply }
        }
        XCTAssertEqual(refusal, "OUT_OF_MEMORY")
        // Bodies are on disk: a job accounts 192 bytes (Engine.memoryPerJob),
        // and a put needs room for its body too: (8192 - 192 - 1000) / 192 =
        // 36 jobs before, so 37.
        XCTAssertEqual(ids.count, 37)
        XCTAssertEqual(client.send("delete \(ids[0])"), "DELETED")
        XCTAssertNotNil(client.putID(String(repeating: "m", count: 1000)))
    }
}
