import Foundation
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
        let halfLine = try RawClient(port: server.port)
        halfLine.send("reserve-with-tim")
        let other = try RawClient(port: server.port)
        other.send("put 0 0 5 2\r\nok\r\nreserve-with-timeout 0\r\n")
        XCTAssertEqual(other.read(matching: "INSERTED 1\r\nRESERVED 1 2\r\nok\r\n"), "INSERTED 1\r\nRESERVED 1 2\r\nok\r\n")
    }

    func testAClientThatNeverReadsCostsBoundedMemory() throws {
        let server = try ServerProcess.spoold(["-z", "65535"])
        let setup = try RawClient(port: server.port)
        let body = String(repeating: "b", count: 60_000)
        setup.send("put 0 0 5 60000\r\n\(body)\r\n")
        XCTAssertEqual(setup.readLine(), "INSERTED 1\r\n")
        let flooder = try RawClient(port: server.port)
        let burst = Array(String(repeating: "peek 1\r\n", count: 125_000).utf8)
        var blocked = false
        let other = try RawClient(port: server.port)
        for _ in 0..<64 where !blocked {
            blocked = flooder.sendWithoutBlocking(burst) < burst.count
            other.send("list-tube-used\r\n")
            XCTAssertEqual(other.readLine(), "USING default\r\n", "the others are served meanwhile")
        }
        XCTAssertTrue(blocked, "the server stops reading from a client that does not read its replies")
        let resident = try XCTUnwrap(server.residentKiB)
        XCTAssertLessThan(resident, 256 * 1024, "unread 60 KB replies must not pile up (\(resident) KiB)")
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
