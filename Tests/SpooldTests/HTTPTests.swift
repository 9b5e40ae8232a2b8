import Foundation
import SpoolTestSupport
import XCTest

/// The HTTP listener against a real spoold: /metrics parsed by the reference
/// Prometheus parser and compared with `stats-tube`, the dashboard in a real
/// headless Chromium, hostile HTTP clients, and spoold-http.socket's named
/// socket under `systemd-socket-activate`.
final class HTTPTests: XCTestCase {
    /// Where the dashboard's screenshots are kept after a run.
    static let artifacts = TestEnvironment.packageRoot.appendingPathComponent(".build/test-artifacts")

    private func spooldWithHTTP(_ extra: [String] = []) throws -> (ServerProcess, Int) {
        let httpPort = try TestScratch.freePort()
        let server = try ServerProcess.spoold(["--http", "tcp:127.0.0.1:\(httpPort)"] + extra)
        // ServerProcess waits for the protocol's listener; the HTTP one may bind a moment later.
        let listening = Deadline.poll(for: 10) {
            guard let client = try? RawClient(port: httpPort) else { return false }
            client.close()
            return true
        }
        XCTAssertTrue(listening, "nothing listens on the HTTP port \(httpPort): \(server.outputSoFar)")
        return (server, httpPort)
    }

    /// Sends `GET target` on a new connection to `port`; the connection, kept
    /// open unless `close`, and the response's status line.
    private func get(_ target: String, port: Int, close: Bool = false) throws -> (RawClient, String) {
        let client = try RawClient(port: port)
        client.send("GET \(target) HTTP/1.1\r\nHost: x\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
        return (client, client.readLine())
    }

    /// `stats-tube`'s numbers for `tube`, by key.
    private func tubeStats(_ client: RawClient, _ tube: String) -> [String: Double] {
        client.send("stats-tube \(tube)\r\n")
        var numbers: [String: Double] = [:]
        for line in client.readDocument().split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let value = Double(parts[1]) { numbers[parts[0]] = value }
        }
        return numbers
    }

    func testMetricsParseAndEqualTheQueuesState() throws {
        let (server, httpPort) = try spooldWithHTTP()
        let client = try RawClient(port: server.port)
        client.send("use alpha\r\n")
        XCTAssertEqual(client.readLine(), "USING alpha\r\n")
        for _ in 0..<5 {
            client.send("put 0 0 60 5\r\nhello\r\n")
            XCTAssertTrue(client.readLine().hasPrefix("INSERTED"))
        }
        client.send("put 0 300 60 5\r\nlater\r\n")
        XCTAssertTrue(client.readLine().hasPrefix("INSERTED"))
        client.send("watch alpha\r\nignore default\r\n")
        XCTAssertEqual(client.readLine(), "WATCHING 2\r\n")
        XCTAssertEqual(client.readLine(), "WATCHING 1\r\n")
        var reserved: [String] = []
        for _ in 0..<3 {
            client.send("reserve\r\n")
            let line = client.readLine()
            reserved.append(String(line.split(separator: " ")[1]))
            _ = client.readLine()
        }
        client.send("delete \(reserved[0])\r\nbury \(reserved[1]) 0\r\n")
        XCTAssertEqual(client.readLine(), "DELETED\r\n")
        XCTAssertEqual(client.readLine(), "BURIED\r\n")
        client.send("use beta\r\nput 0 0 60 1\r\nb\r\npause-tube beta 120\r\n")
        XCTAssertEqual(client.readLine(), "USING beta\r\n")
        XCTAssertTrue(client.readLine().hasPrefix("INSERTED"))
        XCTAssertEqual(client.readLine(), "PAUSED\r\n")

        let metrics = try scrapeMetrics(port: httpPort)
        let jobs = try XCTUnwrap(metrics["jobs"] as? [String: [String: Double]])
        for tube in ["alpha", "beta", "default"] {
            let stats = tubeStats(client, tube)
            for state in ["ready", "reserved", "delayed", "buried"] {
                XCTAssertEqual(jobs[tube]?[state], stats["current-jobs-\(state)"], "\(tube) \(state)")
            }
        }
        XCTAssertEqual(jobs["alpha"], ["ready": 2, "reserved": 1, "delayed": 1, "buried": 1])
        let commands = try XCTUnwrap(metrics["commands"] as? [String: Double])
        XCTAssertEqual(commands["put"], 7)
        XCTAssertEqual(commands["reserve"], 3)
        XCTAssertEqual(commands["bury"], 1)
        XCTAssertEqual(commands["pause-tube"], 1)
        XCTAssertEqual((metrics["puts"] as? [String: Double])?["alpha"], 6)
        XCTAssertEqual((metrics["wait_count"] as? [String: Double])?["alpha"], 3, "one wait per reservation")
        XCTAssertEqual((metrics["run_count"] as? [String: Double])?["alpha"], 1, "one run time per delete by the holder")
        XCTAssertEqual((metrics["paused"] as? [String: Double])?["beta"], 1)
        XCTAssertEqual((metrics["paused"] as? [String: Double])?["alpha"], 0)
        XCTAssertEqual(metrics["connections"] as? Double, 1)
        XCTAssertEqual(metrics["condition"] as? [String: Double], ["healthy": 1, "full": 0, "failing": 0])
        XCTAssertGreaterThan(metrics["commits"] as? Double ?? 0, 0, "the durable store's commits are timed")
        XCTAssertGreaterThan(metrics["process_resident_memory_bytes"] as? Double ?? 0, 1_000_000)
        XCTAssertGreaterThan(metrics["process_open_fds"] as? Double ?? 0, 3)
        let text = try XCTUnwrap(metrics["text"] as? String)
        XCTAssertFalse(text.contains("hello") || text.contains("later"), "no job body in the metrics")
    }

    func testDashboardInChromiumShowsTheTubesAndUpdatesAfterAPut() throws {
        let (server, httpPort) = try spooldWithHTTP()
        let client = try RawClient(port: server.port)
        client.send("use thumbnails\r\nput 0 0 60 1\r\na\r\nput 0 0 60 1\r\nb\r\nput 0 0 60 1\r\nc\r\n")
        XCTAssertEqual(client.readLine(), "USING thumbnails\r\n")
        for _ in 0..<3 { XCTAssertTrue(client.readLine().hasPrefix("INSERTED")) }
        client.send("watch thumbnails\r\nreserve\r\n")
        XCTAssertEqual(client.readLine(), "WATCHING 2\r\n")
        let reserved = client.readLine()
        XCTAssertTrue(reserved.hasPrefix("RESERVED"), reserved)
        _ = client.readLine()
        client.send("bury \(reserved.split(separator: " ")[1]) 0\r\n")
        XCTAssertEqual(client.readLine(), "BURIED\r\n")

        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        let result = try runCommand(
            "/usr/bin/python3", [TestEnvironment.clients.appendingPathComponent("dashboard/dashboard_check.py").path,
                                 "http://127.0.0.1:\(httpPort)/", "127.0.0.1:\(server.port)", "thumbnails", Self.artifacts.path,
                                 "1"],
            timeout: 120)
        XCTAssertEqual(result.status, 0, result.output)
        let pages = try result.output.split(separator: "\n").filter { $0.hasPrefix("{") }.map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(pages.count, 2, result.output)
        guard pages.count == 2 else { return }
        func row(_ page: [String: Any]) -> [String: Any]? {
            (page["tubes"] as? [[String: Any]])?.first { $0["tube"] as? String == "thumbnails" }
        }
        let before = try XCTUnwrap(row(pages[0]))
        XCTAssertEqual(before["ready"] as? Double, 2)
        XCTAssertEqual(before["buried"] as? Double, 1)
        XCTAssertEqual(before["plots"] as? Double, 3, "the throughput plot has two lines, the wait plot one")
        XCTAssertEqual(pages[0]["status"] as? String, "live")
        XCTAssertEqual(pages[0]["durability"] as? String, "always")
        let after = try XCTUnwrap(row(pages[1]))
        XCTAssertEqual(after["ready"] as? Double, 3, "the page updated after the put, without a reload")
        XCTAssertEqual(tubeStats(client, "thumbnails")["current-jobs-ready"], 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.artifacts.appendingPathComponent("dashboard-after.png").path))
    }

    func testHostileHTTPClientsDoNotDisturbTheProtocol() throws {
        let (server, httpPort) = try spooldWithHTTP()
        // Unknown paths and methods.
        let unknown = try RawClient(port: httpPort)
        unknown.send("GET /admin HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(unknown.readLine().hasPrefix("HTTP/1.1 404"))
        let post = try RawClient(port: httpPort)
        post.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        XCTAssertTrue(post.readLine().hasPrefix("HTTP/1.1 405"))
        // Huge headers: refused, connection closed.
        let huge = try RawClient(port: httpPort)
        huge.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 20 * 1024) + "\r\n\r\n")
        XCTAssertTrue(huge.readLine().hasPrefix("HTTP/1.1 400"))
        XCTAssertTrue(huge.isClosedByPeer(timeout: 5), "a request with huge headers ends its connection")
        // Slowloris: connections that never finish their request.
        let slow = try (0..<40).map { _ in try RawClient(port: httpPort) }
        for connection in slow { connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ") }

        let protocolClient = try RawClient(port: server.port)
        protocolClient.send("put 0 0 60 2\r\nok\r\nreserve-with-timeout 0\r\n")
        XCTAssertEqual(protocolClient.readLine(), "INSERTED 1\r\n")
        XCTAssertEqual(protocolClient.readLine(), "RESERVED 1 2\r\n")
        XCTAssertEqual(protocolClient.readLine(), "ok\r\n")
        let scrape = try RawClient(port: httpPort)
        scrape.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(scrape.readLine().hasPrefix("HTTP/1.1 200"), "metrics still served beside slow clients")
        for connection in slow {
            XCTAssertTrue(connection.isClosedByPeer(timeout: 30), "a request not finished in time is cut off")
        }
        protocolClient.send("delete 1\r\n")
        XCTAssertEqual(protocolClient.readLine(), "DELETED\r\n")
    }

    /// A client that pipelines requests and never reads gets answers no
    /// faster than it reads: spoold stops reading its requests instead of
    /// queueing answers in memory (before: 20,000 requests grew RSS by 170 MB).
    func testAClientThatDoesNotReadIsAnsweredNoFasterThanItReads() throws {
        let (server, httpPort) = try spooldWithHTTP()
        let flood = try RawClient(port: httpPort)
        let request = Array("GET /dashboard.js HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let sent = flood.sendUntilStalled(request, limit: 64 << 20, stall: 3)
        XCTAssertLessThan(sent, 8 << 20, "spoold kept reading requests whose answers were not read")
        XCTAssertTrue(
            try get("http://127.0.0.1/metrics", port: httpPort, close: true).1.hasPrefix("HTTP/1.1 200"),
            "served beside it, absolute-form target too")
        let client = try RawClient(port: server.port)
        client.send("stats\r\n")
        XCTAssertTrue(client.readLine().hasPrefix("OK "), "the protocol too")
    }

    /// Open dashboards (live feeds) take at most a quarter of the
    /// connections: the next is refused with 503, and scrapes still get in.
    func testLiveFeedsAreCappedAndScrapesStillServed() throws {
        let (server, httpPort) = try spooldWithHTTP()
        defer { _ = server.stop() }
        var feeds: [RawClient] = []
        for _ in 0..<32 {
            let (feed, status) = try get("/events", port: httpPort)
            XCTAssertTrue(status.hasPrefix("HTTP/1.1 200"), status)
            feeds.append(feed)
        }
        XCTAssertTrue(try get("/events", port: httpPort).1.hasPrefix("HTTP/1.1 503"))
        XCTAssertTrue(try get("/metrics", port: httpPort, close: true).1.hasPrefix("HTTP/1.1 200"))
        feeds[0].close()
        XCTAssertTrue(Deadline.poll(for: 10, every: 0.05) {
            (try? get("/events", port: httpPort).1.hasPrefix("HTTP/1.1 200")) ?? false
        }, "a closed feed's place is free again")
    }

    func testHTTPSocketFromSystemdAndIdleExitWaitsForAnOpenDashboard() throws {
        let directory = try TestScratch.temporaryDirectory()
        let notify = try NotifySocket(directory: directory)
        let unixPath = directory.appendingPathComponent("spool.sock").path
        let httpPort = try TestScratch.freePort()
        let (process, log) = try socketActivate([
            "-l", unixPath, "-l", "127.0.0.1:\(httpPort)", "--fdname=spool:http", "-E", "NOTIFY_SOCKET=\(notify.path)",
            TestEnvironment.spoold.path, "-V", "--bus", "none", "--durability", "off", "--exit-when-idle", "1",
        ])
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try waitForFile(unixPath)
        let dashboard = try RawClient(port: httpPort)
        dashboard.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(dashboard.readLine(timeout: 10).hasPrefix("HTTP/1.1 200"), "the socket named http serves HTTP")
        let lines = (0..<20).lazy.map { _ in dashboard.readLine(timeout: 10) }
        XCTAssertNotNil(lines.first { $0.contains("event: history") }, "the feed opens with the history")
        XCTAssertNotNil(notify.receive(until: { $0.contains("READY=1") }), "no READY=1")
        XCTAssertNil(notify.receive(until: { $0.contains("STOPPING=1") }, timeout: 3), "an open dashboard keeps spoold from idling out")
        let protocolClient = try connectUnix(unixPath)
        protocolClient.send("list-tubes\r\n")
        XCTAssertEqual(protocolClient.readLine(), "OK 14\r\n", "the socket named spool still serves the protocol")
        protocolClient.close()
        dashboard.close()
        XCTAssertNotNil(notify.receive(until: { $0.contains("STOPPING=1") }, timeout: 10), "idle once the dashboard closed")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, log.text)
        XCTAssertTrue(log.text.contains("http"), log.text)
    }

    func testABadHTTPAddressIsRefused() throws {
        let result = try runCommand(TestEnvironment.spoold.path, ["--http", "127.0.0.1:8080", "--durability", "off"], timeout: 15)
        XCTAssertEqual(result.status, 64, result.output)
        XCTAssertTrue(result.output.contains("bad --http address '127.0.0.1:8080'"), result.output)
    }
}
