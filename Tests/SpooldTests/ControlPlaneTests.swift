import Foundation
import XCTest

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The D-Bus control plane of a real spoold on a private system-type bus that
/// loads the project's policy, driven with busctl, dbus-send and dbus-monitor.
final class ControlPlaneTests: XCTestCase {
    private let busName = "org.spool.Spool1"
    private let manager = "/org/spool/Spool1"
    private let managerInterface = "org.spool.Spool1.Manager"
    private let queueInterface = "org.spool.Spool1.Queue"

    private func startSpoold(on bus: SystemBus) throws -> ServerProcess {
        let server = try ServerProcess.spoold(["--bus", bus.address])
        try waitUntil("spoold owns \(busName)") {
            try self.busctl(bus, ["call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", self.busName]).output == "b true\n"
        }
        return server
    }

    /// Runs busctl on `bus`, as root or as the user `user` (with only the
    /// groups the user database gives it).
    @discardableResult
    private func busctl(_ bus: SystemBus, _ arguments: [String], as user: String? = nil) throws -> CommandResult {
        guard let user else { return try runCommand("/usr/bin/busctl", ["--address=\(bus.address)"] + arguments, timeout: 30) }
        let entry = try XCTUnwrap(getpwnam(user))
        return try runCommand("/usr/bin/setpriv", [
            "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--init-groups",
            "/usr/bin/busctl", "--address=\(bus.address)",
        ] + arguments, timeout: 30)
    }

    private func call(_ bus: SystemBus, _ path: String, _ interface: String, _ member: String, _ arguments: [String] = [], as user: String? = nil) throws -> CommandResult {
        try busctl(bus, ["call", busName, path, interface, member] + arguments, as: user)
    }

    private func waitUntil(_ what: String, timeout: TimeInterval = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw Timeout(what: what) }
            usleep(20_000)
        }
    }

    func testManagerAndQueuesThroughBusctlAndDbusSend() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        let client = try RawClient(port: server.port)
        client.send("put 0 0 60 1\r\na\r\nput 0 0 60 1\r\nb\r\nuse mail\r\nput 5 0 60 1\r\nc\r\n")
        XCTAssertEqual(client.read(matching: "INSERTED 1\r\nINSERTED 2\r\nUSING mail\r\nINSERTED 3\r\n"), "INSERTED 1\r\nINSERTED 2\r\nUSING mail\r\nINSERTED 3\r\n")

        let status = try call(bus, manager, managerInterface, "Status")
        XCTAssertEqual(status.status, 0, status.output)
        for fragment in ["a{sv}", "\"JobsReady\" t 3", "\"State\" s \"running\"", "\"Durability\" s \"always\"", "\"Connections\" u 1", "\"Version\" s \"0.1.0\""] {
            XCTAssertTrue(status.output.contains(fragment), "no \(fragment) in \(status.output)")
        }
        XCTAssertEqual(try busctl(bus, ["get-property", busName, manager, managerInterface, "JobsReady"]).output, "t 3\n")
        let queues = try call(bus, manager, managerInterface, "ListQueues").output
        XCTAssertEqual(queues, "a(so) 2 \"default\" \"/org/spool/Spool1/queue/default\" \"mail\" \"/org/spool/Spool1/queue/mail\"\n")

        // Stop: puts are taken, nothing is handed out; Start resumes.
        let send = try runCommand("/usr/bin/dbus-send", ["--bus=\(bus.address)", "--print-reply", "--dest=\(busName)", manager, "\(managerInterface).Stop"])
        XCTAssertEqual(send.status, 0, send.output)
        XCTAssertEqual(try busctl(bus, ["get-property", busName, manager, managerInterface, "State"]).output, "s \"stopped\"\n")
        client.send("put 0 0 60 1\r\nd\r\nreserve-with-timeout 0\r\n")
        XCTAssertEqual(client.read(matching: "INSERTED 4\r\nTIMED_OUT\r\n"), "INSERTED 4\r\nTIMED_OUT\r\n")
        client.send("reserve-with-timeout 10\r\n")
        XCTAssertEqual(try call(bus, manager, managerInterface, "Start").status, 0)
        XCTAssertEqual(client.read(matching: "RESERVED 1 1\r\na\r\n"), "RESERVED 1 1\r\na\r\n", "the waiting reserve is served at once")

        // Queues: Kick on default, Pause, Resume and Purge on mail. Queue
        // objects are published within a quarter of a second.
        let defaultQueue = "/org/spool/Spool1/queue/default", mail = "/org/spool/Spool1/queue/mail"
        try waitUntil("the queue objects appear") { try self.busctl(bus, ["tree", self.busName]).output.contains(mail) }
        client.send("bury 1 0\r\n")
        XCTAssertEqual(client.readLine(), "BURIED\r\n")
        XCTAssertEqual(try call(bus, defaultQueue, queueInterface, "Kick", ["u", "10"]).output, "u 1\n")
        client.send("stats-job 1\r\n")
        let kicked = client.readDocument()
        XCTAssertTrue(kicked.contains("state: ready\n") && kicked.contains("kicks: 1\n"), "kicked back to ready: \(kicked)")
        XCTAssertEqual(try call(bus, mail, queueInterface, "Pause", ["u", "600"]).status, 0)
        XCTAssertEqual(try busctl(bus, ["get-property", busName, mail, queueInterface, "Paused"]).output, "b true\n")
        client.send("stats-tube mail\r\n")
        XCTAssertTrue(client.readDocument().contains("pause: 600\n"))
        XCTAssertEqual(try call(bus, mail, queueInterface, "Resume").status, 0)
        XCTAssertEqual(try busctl(bus, ["get-property", busName, mail, queueInterface, "Paused"]).output, "b false\n")
        XCTAssertEqual(try call(bus, mail, queueInterface, "Purge", ["s", "ready"]).output, "u 2\n", "jobs 3 and 4")
        client.send("peek 3\r\npeek 4\r\n")
        XCTAssertEqual(client.read(matching: "NOT_FOUND\r\nNOT_FOUND\r\n"), "NOT_FOUND\r\nNOT_FOUND\r\n", "purged for good")

        // Bad input gets the proper errors, and spoold carries on.
        let wrongType = try call(bus, mail, queueInterface, "Pause", ["s", "soon"])
        XCTAssertNotEqual(wrongType.status, 0)
        XCTAssertTrue(wrongType.output.contains("Pause takes 'u', not 's'"), wrongType.output)
        XCTAssertTrue(try call(bus, mail, queueInterface, "Purge", ["s", "everything"]).output.contains("Purge takes ready, delayed, buried or all"))
        XCTAssertTrue(try call(bus, manager, managerInterface, "Explode").output.contains("has no method Explode"))
        XCTAssertTrue(try call(bus, "/org/spool/Spool1/queue/nope", queueInterface, "Resume").output.contains("no object at"))
        let readOnly = try busctl(bus, ["set-property", busName, manager, managerInterface, "Version", "s", "9"])
        XCTAssertTrue(readOnly.output.contains("read-only"), readOnly.output)
        client.send("put 0 0 60 1\r\ne\r\n")
        XCTAssertEqual(client.readLine(), "INSERTED 5\r\n", "still serving")
    }

    func testIntrospectionMatchesTheImplementation() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        let client = try RawClient(port: server.port)
        client.send("use my.tube\r\n")
        XCTAssertEqual(client.readLine(), "USING my.tube\r\n")
        let queuePath = "/org/spool/Spool1/queue/my_2etube"
        try waitUntil("the queue object appears") { try self.busctl(bus, ["tree", self.busName]).output.contains(queuePath) }
        for (path, interface, members) in [
            (manager, managerInterface, ["Start", "Stop", "Status", "ListQueues", "Reload", "State", "Version", "Durability", "JobsUrgent",
                                         "JobsReady", "JobsReserved", "JobsDelayed", "JobsBuried", "Connections", "Tubes", "Workers", "JobBuried"]),
            (queuePath, queueInterface, ["Pause", "Resume", "Kick", "Purge", "Name", "PauseTimeLeft", "JobsUrgent", "JobsReady", "JobsReserved",
                                         "JobsDelayed", "JobsBuried", "TotalJobs", "Deletes", "Using", "Watching", "Waiting", "Paused", "PauseSeconds"]),
        ] {
            let xml = try call(bus, path, "org.freedesktop.DBus.Introspectable", "Introspect").output
            let document = try XCTUnwrap(xml.split(separator: "\"", maxSplits: 1).last.map { String($0.dropLast(2)) })
                .replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\n", with: "\n")
            let parser = XMLParser(data: Data(document.utf8))
            let collector = MemberCollector()
            parser.delegate = collector
            XCTAssertTrue(parser.parse(), "well-formed XML: \(document)")
            XCTAssertEqual(Set(collector.members[interface] ?? []), Set(members), "\(interface) as introspected")
            XCTAssertNotNil(collector.members["org.freedesktop.DBus.Properties"])
        }
        XCTAssertEqual(try busctl(bus, ["get-property", busName, queuePath, queueInterface, "Name"]).output, "s \"my.tube\"\n")
    }

    func testSignalsReachASubscriberCoalesced() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-monitor")
        monitor.arguments = ["--address", bus.address, "type='signal',sender='\(busName)'"]
        let pipe = Pipe()
        monitor.standardOutput = pipe
        monitor.standardError = pipe
        let output = OutputCollector(pipe)
        try monitor.run()
        defer { monitor.terminate() }
        // A monitor announces itself by losing the name the bus gave it.
        try waitUntil("dbus-monitor is listening") { output.soFar.contains("member=NameLost") }

        let client = try RawClient(port: server.port)
        let started = Date()
        client.send("use fresh\r\nwatch fresh\r\nignore default\r\n")
        var expected = "USING fresh\r\nWATCHING 2\r\nWATCHING 1\r\n"
        for index in 1...200 {
            client.send("put 0 0 60 1\r\nx\r\n")
            expected += "INSERTED \(index)\r\n"
        }
        XCTAssertEqual(client.read(matching: expected, timeout: 30), expected)
        client.send("reserve\r\n")
        XCTAssertEqual(client.read(matching: "RESERVED 1 1\r\nx\r\n"), "RESERVED 1 1\r\nx\r\n")
        client.send("bury 1 0\r\n")
        XCTAssertEqual(client.readLine(), "BURIED\r\n")
        try waitUntil("the signals arrive") {
            output.soFar.contains("member=InterfacesAdded") && output.soFar.contains("/org/spool/Spool1/queue/fresh")
                && output.soFar.contains("member=JobBuried") && output.soFar.contains("uint64 199")
        }
        let elapsed = Date().timeIntervalSince(started)
        let managerChanges = output.soFar.components(separatedBy: "path=/org/spool/Spool1; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged").count - 1
        XCTAssertGreaterThan(managerChanges, 0)
        XCTAssertLessThanOrEqual(Double(managerChanges), elapsed / 0.25 + 3, "coalesced: at most a few a second, not one per job (\(managerChanges) in \(elapsed) s)")
        XCTAssertTrue(output.soFar.contains("string \"fresh\""), "JobBuried names the tube")
    }

    func testOnlyAdminsChangeThingsByPolicyAndInTheDaemon() throws {
        let outsider = "spool-test-outsider", reader = "spool-test-reader", admin = "spool-test-admin"
        _ = try SystemBus.user(outsider, groups: [])
        _ = try SystemBus.user(reader, groups: ["spool"])
        _ = try SystemBus.user(admin, groups: ["spool-admin"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        defer { server.stop() }

        let denied = try call(bus, manager, managerInterface, "Status", as: outsider)
        XCTAssertNotEqual(denied.status, 0)
        XCTAssertTrue(denied.output.contains("Access denied") || denied.output.contains("AccessDenied"), denied.output)
        XCTAssertEqual(try call(bus, manager, "org.freedesktop.DBus.Peer", "Ping", as: outsider).status, 0, "anyone may ping")
        XCTAssertEqual(try call(bus, manager, managerInterface, "Status", as: reader).status, 0, "group spool may read")
        XCTAssertTrue(try call(bus, manager, managerInterface, "Stop", as: reader).output.contains("denied"), "but not change")
        XCTAssertEqual(try call(bus, manager, managerInterface, "Stop", as: admin).status, 0, "spool-admin may change")
        XCTAssertEqual(try busctl(bus, ["get-property", busName, manager, managerInterface, "State"], as: admin).output, "s \"stopped\"\n")

        // A bus whose policy lets everyone through: spoold refuses by uid itself.
        let open = try SystemBus(permissive: true)
        let openServer = try startSpoold(on: open)
        defer { openServer.stop() }
        // dbus-send shows the error's name and message (busctl only the errno's text).
        let entry = try XCTUnwrap(getpwnam(reader))
        let refused = try runCommand("/usr/bin/setpriv", [
            "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--init-groups",
            "/usr/bin/dbus-send", "--bus=\(open.address)", "--print-reply", "--dest=\(busName)", manager, "\(managerInterface).Stop",
        ])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("org.freedesktop.DBus.Error.AccessDenied: Stop requires root or membership of group spool-admin"), refused.output)
        XCTAssertEqual(try call(open, manager, managerInterface, "Stop", as: admin).status, 0)
    }
}

/// A condition a test waited for never came true.
private struct Timeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "never happened: \(what)" }
}

/// Collects the methods, properties and signals of each interface in an
/// introspection document.
private final class MemberCollector: NSObject, XMLParserDelegate {
    var members: [String: [String]] = [:]
    private var interface: String?

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch element {
        case "interface": interface = attributes["name"]
        case "method", "property", "signal":
            if let interface, let name = attributes["name"] { members[interface, default: []].append(name) }
        default: break
        }
    }
}
