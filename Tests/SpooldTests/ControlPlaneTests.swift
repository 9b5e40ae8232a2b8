import Foundation
import SpoolTestSupport
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

    /// Starts spoold on `bus`. Its queue directory is `queues`'s, else an
    /// empty one: a test never runs the handlers of the machine's /etc/spool/queues.d.
    private func startSpoold(on bus: SystemBus, queues: QueueFixture? = nil, arguments: [String] = []) throws -> ServerProcess {
        let directory = try queues?.queues ?? TestScratch.temporaryDirectory()
        // Handlers still running when the test ends get SIGTERM at once.
        let server = try ServerProcess.spoold(
            ["--bus", bus.address, "--queues-directory", directory.path, "--worker-stop-timeout", "0"] + arguments)
        try waitUntil("spoold owns \(busName)") {
            try self.busctl(bus, ["call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", self.busName]).output == "b true\n"
        }
        return server
    }

    /// Runs busctl on `bus`, as root or as the user `user` (with only the
    /// groups the user database gives it).
    @discardableResult
    private func busctl(_ bus: SystemBus, _ arguments: [String], as user: String? = nil) throws -> CommandResult {
        try run("/usr/bin/busctl", ["--address=\(bus.address)"] + arguments, as: user)
    }

    /// Calls a method with dbus-send, which shows an error's name and message
    /// (busctl only the errno's text); arguments as dbus-send takes them (`uint32:3`).
    private func dbusSend(
        _ bus: SystemBus, _ path: String, _ interface: String, _ member: String, _ arguments: [String] = [], as user: String? = nil
    ) throws -> CommandResult {
        try run("/usr/bin/dbus-send", ["--bus=\(bus.address)", "--print-reply", "--dest=\(busName)", path, "\(interface).\(member)"] + arguments, as: user)
    }

    /// Runs a command as root, or as the user `user` (with only the groups the user database gives it).
    private func run(_ executable: String, _ arguments: [String], as user: String?) throws -> CommandResult {
        guard let user else { return try runCommand(executable, arguments, timeout: 30) }
        let entry = try XCTUnwrap(getpwnam(user))
        return try runCommand("/usr/bin/setpriv", [
            "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--init-groups", executable,
        ] + arguments, timeout: 30)
    }

    /// A property as busctl prints it, without the newline: `u 3`, `s "stopped"`.
    private func property(_ bus: SystemBus, _ path: String, _ interface: String, _ name: String) throws -> String {
        let result = try busctl(bus, ["get-property", busName, path, interface, name])
        return result.status == 0 ? result.output.trimmingCharacters(in: .newlines) : "failed: \(result.output)"
    }

    /// A property of the queue object of `tube`.
    private func queueProperty(_ bus: SystemBus, _ tube: String, _ name: String) throws -> String {
        try property(bus, queuePath(tube), queueInterface, name)
    }

    /// A counter (`t` or `u`) of the queue object of `tube`, for waiting
    /// until it reaches a value (0 while it cannot be read).
    private func counter(_ bus: SystemBus, _ tube: String, _ name: String) throws -> UInt64 {
        let value = try queueProperty(bus, tube, name).split(separator: " ")
        return value.count == 2 && ["t", "u"].contains(value[0]) ? UInt64(value[1]) ?? 0 : 0
    }

    /// A property of the manager.
    private func managerProperty(_ bus: SystemBus, _ name: String) throws -> String {
        try property(bus, manager, managerInterface, name)
    }

    /// The object path of `tube`'s queue (for names that need no escaping).
    private func queuePath(_ tube: String) -> String { "/org/spool/Spool1/queue/\(tube)" }

    /// Waits until the queue object of `tube` is published (within a quarter of a second of the tube's creation).
    private func waitForQueueObject(_ bus: SystemBus, _ tube: String) throws {
        try waitUntil("the queue object of \(tube) appears") { try self.queueProperty(bus, tube, "Name") == "s \"\(tube)\"" }
    }

    /// Asserts that `condition` holds now and keeps holding for `seconds`:
    /// for something that must not happen, once everything that would make
    /// it happen at once has been seen through.
    private func assertStays(_ what: String, for seconds: TimeInterval, _ condition: () throws -> Bool,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let end = Date().addingTimeInterval(seconds)
        repeat {
            guard try condition() else { return XCTFail("no longer true: \(what)", file: file, line: line) }
            usleep(20_000)
        } while Date() < end
        XCTAssertTrue(try condition(), "no longer true: \(what)", file: file, line: line)
    }

    /// Starts dbus-monitor on `bus` for spoold's signals (`filter`); returns
    /// once it listens. As root it becomes a monitor; as `user` it cannot,
    /// and listens with match rules as any client of the bus does.
    private func startMonitor(
        _ bus: SystemBus, filter: String = "type='signal',sender='org.spool.Spool1'", as user: String? = nil
    ) throws -> (Process, OutputCollector) {
        let monitor = Process()
        if let user {
            let entry = try XCTUnwrap(getpwnam(user))
            monitor.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            monitor.arguments = [
                "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--init-groups",
                "/usr/bin/dbus-monitor", "--address", bus.address, filter,
            ]
        } else {
            monitor.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-monitor")
            monitor.arguments = ["--address", bus.address, filter]
        }
        let pipe = Pipe()
        monitor.standardOutput = pipe
        monitor.standardError = pipe
        let output = OutputCollector(pipe)
        try monitor.run()
        // A monitor announces itself by losing the name the bus gave it; a
        // client with match rules shows the name it got.
        try waitUntil("dbus-monitor is listening") {
            output.soFar.contains(user == nil ? "member=NameLost" : "member=NameAcquired")
        }
        return (monitor, output)
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
        for fragment in ["a{sv}", "\"JobsReady\" t 3", "\"State\" s \"running\"", "\"Durability\" s \"always\"", "\"Connections\" u 1", "\"Version\" s \"0.1.0\"",
                         "\"Workers\" u 0", "\"WorkersBusy\" u 0", "\"WorkersIdle\" u 0"] {
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
        var signatures: [String: [String]] = [:]
        for (path, interface, members) in [
            (manager, managerInterface, ["Start", "Stop", "Status", "ListQueues", "Reload", "State", "Version", "Durability", "JobsUrgent",
                                         "JobsReady", "JobsReserved", "JobsDelayed", "JobsBuried", "Connections", "Tubes", "Workers",
                                         "WorkersBusy", "WorkersIdle", "JobBuried"]),
            (queuePath, queueInterface, ["Pause", "Resume", "Kick", "Purge", "Start", "Stop", "SetWorkers", "Name", "PauseTimeLeft",
                                         "JobsUrgent", "JobsReady", "JobsReserved", "JobsDelayed", "JobsBuried", "TotalJobs", "Deletes",
                                         "Using", "Watching", "Waiting", "Paused", "PauseSeconds", "Bytes", "MaxJobs", "MaxBytes",
                                         "WhenFull", "PutsWaiting", "PoolState", "Workers", "WorkersBusy",
                                         "WorkersIdle", "Attempts", "Failures", "AverageRunTime"]),
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
            signatures.merge(collector.signatures) { first, _ in first }
        }
        // Arguments (methods: direction and type; signals: type) and property types.
        for (member, signature) in [
            "Manager.Start": [], "Manager.Stop": [], "Manager.Reload": ["out as"], "Manager.Status": ["out a{sv}"],
            "Manager.JobBuried": ["s", "t", "s"], "Manager.Workers": ["u"], "Manager.WorkersBusy": ["u"], "Manager.WorkersIdle": ["u"],
            "Queue.Start": [], "Queue.Stop": [], "Queue.SetWorkers": ["in u"], "Queue.PoolState": ["s"], "Queue.Workers": ["u"],
            "Queue.WorkersBusy": ["u"], "Queue.WorkersIdle": ["u"], "Queue.Attempts": ["t"], "Queue.Failures": ["t"],
            "Queue.AverageRunTime": ["d"],
        ] {
            XCTAssertEqual(signatures["org.spool.Spool1.\(member)"], signature, member)
        }
        XCTAssertEqual(try busctl(bus, ["get-property", busName, queuePath, queueInterface, "Name"]).output, "s \"my.tube\"\n")

        // GetAll reads everything at once (one read of the queue): every
        // property, with the value its Get gives on this quiet queue.
        let managerProperties: Set = ["State", "Version", "Durability", "JobsUrgent", "JobsReady", "JobsReserved", "JobsDelayed",
                                      "JobsBuried", "Connections", "Tubes", "Workers", "WorkersBusy", "WorkersIdle"]
        let queueProperties: Set = ["Name", "PauseTimeLeft", "JobsUrgent", "JobsReady", "JobsReserved", "JobsDelayed", "JobsBuried",
                                    "TotalJobs", "Deletes", "Using", "Watching", "Waiting", "Paused", "PauseSeconds", "Bytes",
                                    "MaxJobs", "MaxBytes", "WhenFull", "PutsWaiting", "PoolState", "Workers", "WorkersBusy",
                                    "WorkersIdle", "Attempts", "Failures", "AverageRunTime"]
        for (path, interface, expected) in [(manager, managerInterface, managerProperties), (queuePath, queueInterface, queueProperties)] {
            let all = try busctl(bus, ["--json=short", "call", busName, path, "org.freedesktop.DBus.Properties", "GetAll", "s", interface])
            let reply = try JSONSerialization.jsonObject(with: Data(all.output.utf8)) as? [String: Any]
            let properties = try XCTUnwrap((reply?["data"] as? [Any])?.first as? [String: [String: Any]], all.output)
            XCTAssertEqual(Set(properties.keys), expected, interface)
            for (name, value) in properties {
                let single = try busctl(bus, ["--json=short", "get-property", busName, path, interface, name])
                let one = try JSONSerialization.jsonObject(with: Data(single.output.utf8)) as? [String: Any]
                XCTAssertEqual(one?["type"] as? String, value["type"] as? String, name)
                XCTAssertEqual("\(one?["data"] ?? "")", "\(value["data"] ?? "")", name)
            }
        }
    }

    /// A tube's limits and how full it is are on its queue object: `MaxJobs`,
    /// `MaxBytes` (2^64-1: no limit), `WhenFull`, `Bytes`, `PutsWaiting`.
    func testAQueueShowsItsLimitsAndTheHeldPuts() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, arguments: ["--max-jobs", "2", "--when-full", "wait"])
        let client = try JobClient(port: server.port)
        XCTAssertNotNil(client.putID("12345"))
        XCTAssertNotNil(client.putID("678"))
        let held = try JobClient(port: server.port)
        held.sendWithoutWaiting("put 0 0 60 1", body: "x")
        try waitForQueueObject(bus, "default")
        try waitUntil("the held put shows") { try self.counter(bus, "default", "PutsWaiting") == 1 }
        XCTAssertEqual(try queueProperty(bus, "default", "MaxJobs"), "t 2")
        XCTAssertEqual(try queueProperty(bus, "default", "MaxBytes"), "t 18446744073709551615")
        XCTAssertEqual(try queueProperty(bus, "default", "WhenFull"), "s \"wait\"")
        XCTAssertEqual(try queueProperty(bus, "default", "Bytes"), "t 8")
    }

    /// The introspection XML of the manager and of a queue is, byte for
    /// byte, the recorded contract (`Tests/Fixtures/introspection`): any
    /// change to the D-Bus API, deliberate or not, shows here.
    func testIntrospectionIsTheRecordedContract() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        let client = try RawClient(port: server.port)
        client.send("put 0 0 60 1\r\na\r\n")
        XCTAssertEqual(client.readLine(), "INSERTED 1\r\n")
        try waitForQueueObject(bus, "default")
        let fixtures = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/introspection")
        for (path, fixture) in [(manager, "manager.xml"), (queuePath("default"), "queue.xml")] {
            let recorded = try String(contentsOf: fixtures.appendingPathComponent(fixture), encoding: .utf8)
            XCTAssertEqual(try introspect(bus, path), recorded, "\(path) as introspected, against \(fixture)")
        }
    }

    /// The introspection XML of the object at `path`, exactly as spoold sends it.
    private func introspect(_ bus: SystemBus, _ path: String) throws -> String {
        let result = try busctl(bus, ["--json=short", "call", busName, path, "org.freedesktop.DBus.Introspectable", "Introspect"])
        XCTAssertEqual(result.status, 0, result.output)
        let reply = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return try XCTUnwrap((reply?["data"] as? [Any])?.first as? String, result.output)
    }

    /// A caller that sends 50,000 GetAll calls (about 40 MB of replies) and
    /// does not read until the last is handled: spoold answers what reaches
    /// it and hands each reply to the bus at once, which keeps what the caller
    /// has not read and refuses calls beyond its per-caller limit of pending
    /// replies (LimitsExceeded): spoold's peak memory grows by little, every
    /// call is answered by someone, and others are served meanwhile.
    func testACallerThatNeverReadsCostsBoundedMemory() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        let client = try JobClient(port: server.port)
        XCTAssertEqual(client.send("use flood"), "USING flood")
        let id = try XCTUnwrap(client.putID("x"))
        XCTAssertEqual(client.send("watch flood"), "WATCHING 2")
        XCTAssertEqual(client.reserve(timeout: 0)?.id, id)
        XCTAssertEqual(client.send("bury \(id) 0"), "BURIED")
        try waitForQueueObject(bus, "flood")
        let before = try XCTUnwrap(server.peakResidentKiB)

        let flooder = Process()
        flooder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        flooder.arguments = [TestEnvironment.clients.appendingPathComponent("dbusflood.py").path, bus.address, "50000", queuePath("flood")]
        let input = Pipe()
        let output = Pipe()
        flooder.standardInput = input
        flooder.standardOutput = output
        let printed = OutputCollector(output)
        try flooder.run()
        try waitUntil("the flooder sent its calls", timeout: 30) { printed.soFar == "50000\n" }
        try waitUntil("spoold reached the flood's last call", timeout: 60) { client.stats("stats-tube flood")["current-jobs-buried"] == "0" }
        XCTAssertEqual(try managerProperty(bus, "Version"), "s \"0.1.0\"", "others are served")
        try input.fileHandleForWriting.close()
        flooder.waitUntilExit()
        let grown = try XCTUnwrap(server.peakResidentKiB) - before
        print("a D-Bus caller owed 50,000 replies: spoold's peak RSS grew by \(grown) KiB")
        XCTAssertLessThan(grown, 8 * 1024, "replies owed to a caller that does not read must cost bounded memory")
        let counts = printed.text.split(whereSeparator: \.isNewline).last?.split(separator: " ").compactMap { Int($0) } ?? []
        print("replies read by the flooder: \(counts)")
        XCTAssertEqual(counts.count, 2, printed.text)
        XCTAssertEqual(counts.reduce(0, +), 50_002, "Hello, 50,000 GetAll and Kick each got a return or an error")
    }

    /// The bus limits the calls awaiting a reply per caller, not calls that
    /// want none: a member of group spool (who may introspect) may send
    /// spoold as many Introspect calls flagged NO_REPLY_EXPECTED as the
    /// socket takes. Those beyond a few in flight per sender are dropped, so
    /// that they cost bounded memory (before: 200,000 grew spoold's RSS by
    /// 387 MB) and others are still served.
    func testAFloodOfCallsThatWantNoReplyCostsBoundedMemory() throws {
        let reader = "spool-test-reader"
        _ = try SystemBus.user(reader, groups: ["spool"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        defer { server.stop() }
        XCTAssertEqual(try managerProperty(bus, "Version"), "s \"0.1.0\"")
        let before = try XCTUnwrap(server.peakResidentKiB)
        let flood = try run(
            "/usr/bin/python3", [TestEnvironment.clients.appendingPathComponent("dbusnoreply.py").path, bus.address, "200000"],
            as: reader)
        XCTAssertEqual(flood.output, "sent 200000\npinged\n", "every call taken or dropped before the Ping's answer")
        let grown = try XCTUnwrap(server.peakResidentKiB) - before
        print("200,000 calls that want no reply: spoold's peak RSS grew by \(grown) KiB")
        XCTAssertLessThan(grown, 16 * 1024)
        XCTAssertEqual(try managerProperty(bus, "Version"), "s \"0.1.0\"", "others are served")
    }

    func testSignalsReachASubscriberCoalesced() throws {
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        let (monitor, output) = try startMonitor(bus)
        defer { monitor.terminate() }

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

    /// spoold's signals name every queue and carry handlers' reasons, and its
    /// introspection lists every queue's object: only root and the groups
    /// receive the signals (a stock system bus lets everyone receive every
    /// signal) and may introspect.
    func testOnlyTheGroupsReceiveSpooldsSignalsAndSeeItsQueues() throws {
        let outsider = "spool-test-outsider", reader = "spool-test-reader"
        _ = try SystemBus.user(outsider, groups: [])
        _ = try SystemBus.user(reader, groups: ["spool"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus)
        defer { server.stop() }
        let (readerMonitor, readerOutput) = try startMonitor(bus, as: reader)
        defer { readerMonitor.terminate() }
        let (outsiderMonitor, outsiderOutput) = try startMonitor(bus, filter: "type='signal'", as: outsider)
        defer { outsiderMonitor.terminate() }

        let client = try RawClient(port: server.port)
        client.send("use secret-payroll\r\nput 0 0 60 1\r\nx\r\n")
        XCTAssertEqual(client.read(matching: "USING secret-payroll\r\nINSERTED 1\r\n"), "USING secret-payroll\r\nINSERTED 1\r\n")
        try waitUntil("the reader hears of the new queue") { readerOutput.soFar.contains("secret_2dpayroll") }
        // A signal everyone may receive, sent after: once the outsider has
        // it, it would have had spoold's, which the bus sent before.
        XCTAssertEqual(try runCommand("/usr/bin/dbus-send", [
            "--bus=\(bus.address)", "--type=signal", "/org/example/Marker", "org.example.Marker.Ping",
        ]).status, 0)
        try waitUntil("the outsider hears the marker") { outsiderOutput.soFar.contains("member=Ping") }
        XCTAssertFalse(outsiderOutput.soFar.contains("secret_2dpayroll"), outsiderOutput.soFar)
        XCTAssertFalse(outsiderOutput.soFar.contains("/org/spool/Spool1"), outsiderOutput.soFar)
        XCTAssertTrue(try busctl(bus, ["tree", busName], as: reader).output.contains("secret_2dpayroll"))
        let tree = try busctl(bus, ["tree", busName], as: outsider)
        XCTAssertFalse(tree.output.contains("secret_2dpayroll"), tree.output)
        XCTAssertEqual(try call(bus, manager, "org.freedesktop.DBus.Peer", "Ping", as: outsider).status, 0, "anyone may ping")
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

        // The group is looked up when a caller asks, not at start, and the
        // bus reports the groups of the caller's process: a member added while
        // spoold runs may change things from their next login (setpriv
        // --init-groups reads the user database anew).
        _ = try SystemBus.user(reader, groups: ["spool", "spool-admin"])
        defer { _ = try? SystemBus.user(reader, groups: ["spool"]) }
        XCTAssertEqual(try call(open, manager, managerInterface, "Start", as: reader).status, 0, "a member added after start")
    }

    // MARK: - The worker pool over D-Bus

    func testQueueStopLetsRunningHandlersFinishAndStartResumes() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("slow", tube: "slow", ["Workers=2"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        defer { queues.release() }
        let client = try JobClient(port: server.port)
        client.use("slow")
        for _ in 1...4 { XCTAssertNotNil(client.putID("wait")) }
        try waitUntil("two handlers run") { queues.started() == 2 }
        try waitForQueueObject(bus, "slow")
        XCTAssertEqual(try queueProperty(bus, "slow", "PoolState"), "s \"running\"")

        let stop = try call(bus, queuePath("slow"), queueInterface, "Stop")
        XCTAssertEqual(stop.status, 0, stop.output)
        XCTAssertEqual(try queueProperty(bus, "slow", "PoolState"), "s \"stopped\"")
        XCTAssertEqual(try queueProperty(bus, "slow", "WorkersBusy"), "u 2", "Stop leaves the running handlers alone")
        queues.release()
        try waitUntil("the running handlers finish") { try self.counter(bus, "slow", "Attempts") >= 2 }
        XCTAssertEqual(try queueProperty(bus, "slow", "Attempts"), "t 2")
        XCTAssertEqual(queues.ended(), 2)
        XCTAssertEqual(try queueProperty(bus, "slow", "Failures"), "t 0", "finished, not killed")
        // A worker takes its next job as soon as its attempt is over: had it
        // taken one, the job would be reserved by now.
        XCTAssertEqual(try queueProperty(bus, "slow", "JobsReserved"), "t 0")
        XCTAssertEqual(try queueProperty(bus, "slow", "JobsReady"), "t 2")
        XCTAssertEqual(try queueProperty(bus, "slow", "WorkersBusy"), "u 0")
        try assertStays("no attempt starts while the queue is stopped", for: 0.5) { queues.started() == 2 }
        XCTAssertEqual(try queueProperty(bus, "slow", "PoolState"), "s \"stopped\"")

        let start = try call(bus, queuePath("slow"), queueInterface, "Start")
        XCTAssertEqual(start.status, 0, start.output)
        XCTAssertEqual(try queueProperty(bus, "slow", "PoolState"), "s \"running\"")
        try waitUntil("the remaining jobs are handled") { try self.counter(bus, "slow", "Attempts") >= 4 }
        XCTAssertEqual(try queueProperty(bus, "slow", "Attempts"), "t 4")
        XCTAssertEqual(queues.startedAttempts, ["1.1", "2.1", "3.1", "4.1"], "every job once")
        XCTAssertEqual(queues.ended(), 4)
        XCTAssertEqual(try queueProperty(bus, "slow", "JobsReady"), "t 0")
        XCTAssertEqual(try queueProperty(bus, "slow", "Deletes"), "t 4")
    }

    func testSetWorkersResizesThePoolWithinBounds() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("wide", tube: "wide", ["Workers=1"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        defer { queues.release() }
        let client = try JobClient(port: server.port)
        client.use("wide")
        for _ in 1...5 { XCTAssertNotNil(client.putID("wait")) }
        try waitUntil("one handler runs") { queues.started() == 1 }
        try waitForQueueObject(bus, "wide")
        XCTAssertEqual(try queueProperty(bus, "wide", "Workers"), "u 1")

        let grow = try call(bus, queuePath("wide"), queueInterface, "SetWorkers", ["u", "3"])
        XCTAssertEqual(grow.status, 0, grow.output)
        XCTAssertEqual(try queueProperty(bus, "wide", "Workers"), "u 3")
        // New workers take a job as they are made: three are reserved at once.
        XCTAssertEqual(try queueProperty(bus, "wide", "JobsReserved"), "t 3")
        XCTAssertEqual(try queueProperty(bus, "wide", "JobsReady"), "t 2")
        try waitUntil("three handlers run") { queues.started() == 3 }
        XCTAssertEqual(queues.ended(), 0, "all three run at the same time")
        XCTAssertEqual(try queueProperty(bus, "wide", "WorkersBusy"), "u 3")
        XCTAssertEqual(try queueProperty(bus, "wide", "WorkersIdle"), "u 0")
        XCTAssertEqual(try managerProperty(bus, "Workers"), "u 3")
        XCTAssertEqual(try managerProperty(bus, "WorkersBusy"), "u 3")
        try assertStays("no more than three handlers run", for: 0.3) { queues.started() == 3 }

        // Refused: too many workers, a tube without a pool, a wrong argument type.
        let tooMany = try dbusSend(bus, queuePath("wide"), queueInterface, "SetWorkers", ["uint32:300"])
        XCTAssertNotEqual(tooMany.status, 0)
        XCTAssertTrue(tooMany.output.contains("org.freedesktop.DBus.Error.InvalidArgs: 300 workers"), tooMany.output)
        try waitForQueueObject(bus, "default")
        XCTAssertEqual(try queueProperty(bus, "default", "PoolState"), "s \"none\"")
        for (member, arguments) in [("SetWorkers", ["uint32:2"]), ("Start", []), ("Stop", [])] {
            let noPool = try dbusSend(bus, queuePath("default"), queueInterface, member, arguments)
            XCTAssertNotEqual(noPool.status, 0, member)
            XCTAssertTrue(noPool.output.contains("org.spool.Spool1.Error.NoWorkerPool"), "\(member): \(noPool.output)")
        }
        let wrongType = try dbusSend(bus, queuePath("wide"), queueInterface, "SetWorkers", ["string:three"])
        XCTAssertNotEqual(wrongType.status, 0)
        XCTAssertTrue(wrongType.output.contains("org.freedesktop.DBus.Error.InvalidArgs: SetWorkers takes 'u', not 's'"), wrongType.output)
        let wrongTypeBusctl = try call(bus, queuePath("wide"), queueInterface, "SetWorkers", ["s", "three"])
        XCTAssertNotEqual(wrongTypeBusctl.status, 0)
        XCTAssertTrue(wrongTypeBusctl.output.contains("takes 'u'"), wrongTypeBusctl.output)
        XCTAssertEqual(try queueProperty(bus, "wide", "Workers"), "u 3", "unchanged by the refused calls")
        XCTAssertEqual(try queueProperty(bus, "wide", "PoolState"), "s \"running\"")

        queues.release()
        try waitUntil("every job is handled") { try self.counter(bus, "wide", "Attempts") >= 5 }
        XCTAssertEqual(try queueProperty(bus, "wide", "Attempts"), "t 5")
        XCTAssertEqual(queues.startedAttempts, ["1.1", "2.1", "3.1", "4.1", "5.1"])
        XCTAssertEqual(try call(bus, queuePath("wide"), queueInterface, "SetWorkers", ["u", "1"]).status, 0)
        XCTAssertEqual(try queueProperty(bus, "wide", "Workers"), "u 1")
        XCTAssertEqual(try queueProperty(bus, "wide", "WorkersIdle"), "u 1")
        XCTAssertEqual(client.put("x"), "INSERTED 6", "spoold still serves")
    }

    func testReloadReportsBadFilesAndStartsTheNewQueues() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("first", tube: "first")
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        let client = try JobClient(port: server.port)
        client.use("first")
        XCTAssertEqual(client.putID("quick"), 1)
        try waitUntil("the first queue handles its job") { queues.ended(job: 1) == 1 }
        XCTAssertEqual(try managerProperty(bus, "Workers"), "u 1")

        try queues.writeQueue("second", tube: "second", ["Workers=2"])
        let bad = try queues.writeFile("broken", ["[Queue]", "Tube=broken", "Workers=0", "ExecStart=\(queues.handler.path)"])
        let reload = try call(bus, manager, managerInterface, "Reload")
        XCTAssertEqual(reload.status, 0, reload.output)
        XCTAssertTrue(reload.output.hasPrefix("as 1 \"\(bad):3: Workers=0"), "the bad file's line: \(reload.output)")
        XCTAssertEqual(try managerProperty(bus, "Workers"), "u 3", "first and second; Reload returns once the pools are in place")
        client.use("second")
        XCTAssertEqual(client.putID("quick"), 2)
        try waitUntil("the new queue handles its job") { queues.ended(job: 2) == 1 }
        try waitForQueueObject(bus, "second")
        XCTAssertEqual(try queueProperty(bus, "second", "Workers"), "u 2")
        XCTAssertEqual(try queueProperty(bus, "second", "PoolState"), "s \"running\"")
        try waitUntil("the attempt is counted") { try self.counter(bus, "second", "Attempts") >= 1 }
        XCTAssertEqual(try queueProperty(bus, "second", "Attempts"), "t 1")

        // Fixed, the file loads on the next Reload, which then finds no problem.
        try queues.writeQueue("broken", tube: "broken")
        XCTAssertEqual(try call(bus, manager, managerInterface, "Reload").output, "as 0\n")
        XCTAssertEqual(try managerProperty(bus, "Workers"), "u 4")
        try waitForQueueObject(bus, "broken")
        XCTAssertEqual(try queueProperty(bus, "broken", "PoolState"), "s \"running\"")
    }

    func testOnlyAdminsDriveThePoolsAndReload() throws {
        let reader = "spool-test-reader", admin = "spool-test-admin"
        _ = try SystemBus.user(reader, groups: ["spool"])
        _ = try SystemBus.user(admin, groups: ["spool-admin"])
        let queues = try QueueFixture()
        try queues.writeQueue("guarded", tube: "guarded")
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        try waitForQueueObject(bus, "guarded")
        // A Reload that went through would load this at once.
        try queues.writeQueue("later", tube: "later")
        let changes: [(path: String, interface: String, member: String, arguments: [String])] = [
            (manager, managerInterface, "Reload", []), (queuePath("guarded"), queueInterface, "Stop", []),
            (queuePath("guarded"), queueInterface, "Start", []), (queuePath("guarded"), queueInterface, "SetWorkers", ["uint32:4"]),
        ]

        // The bus's policy refuses group spool.
        for change in changes {
            let refused = try dbusSend(bus, change.path, change.interface, change.member, change.arguments, as: reader)
            XCTAssertNotEqual(refused.status, 0, change.member)
            XCTAssertTrue(refused.output.contains("org.freedesktop.DBus.Error.AccessDenied"), "\(change.member): \(refused.output)")
        }
        XCTAssertEqual(try queueProperty(bus, "guarded", "Workers"), "u 1")
        XCTAssertEqual(try queueProperty(bus, "guarded", "PoolState"), "s \"running\"")
        XCTAssertEqual(try managerProperty(bus, "Workers"), "u 1", "no reload happened")

        // It lets spool-admin through, and spoold lets them change things.
        let stop = try dbusSend(bus, queuePath("guarded"), queueInterface, "Stop", as: admin)
        XCTAssertEqual(stop.status, 0, stop.output)
        XCTAssertEqual(try queueProperty(bus, "guarded", "PoolState"), "s \"stopped\"")
        let setWorkers = try dbusSend(bus, queuePath("guarded"), queueInterface, "SetWorkers", ["uint32:4"], as: admin)
        XCTAssertEqual(setWorkers.status, 0, setWorkers.output)
        XCTAssertEqual(try queueProperty(bus, "guarded", "Workers"), "u 4")
        let start = try dbusSend(bus, queuePath("guarded"), queueInterface, "Start", as: admin)
        XCTAssertEqual(start.status, 0, start.output)
        XCTAssertEqual(try queueProperty(bus, "guarded", "PoolState"), "s \"running\"")
        let reload = try call(bus, manager, managerInterface, "Reload", as: admin)
        XCTAssertEqual(reload.output, "as 0\n")
        XCTAssertEqual(try managerProperty(bus, "Workers"), "u 5", "guarded's 4 and later's 1")

        // A bus whose policy lets everyone through: spoold refuses by uid itself.
        let openQueues = try QueueFixture()
        try openQueues.writeQueue("guarded", tube: "guarded")
        let open = try SystemBus(permissive: true)
        let openServer = try startSpoold(on: open, queues: openQueues)
        defer { openServer.stop() }
        try waitForQueueObject(open, "guarded")
        try openQueues.writeQueue("later", tube: "later")
        for change in changes {
            let refused = try dbusSend(open, change.path, change.interface, change.member, change.arguments, as: reader)
            XCTAssertNotEqual(refused.status, 0, change.member)
            XCTAssertTrue(
                refused.output.contains("org.freedesktop.DBus.Error.AccessDenied: \(change.member) requires root or membership of group spool-admin"),
                "\(change.member): \(refused.output)")
        }
        XCTAssertEqual(try queueProperty(open, "guarded", "Workers"), "u 1")
        XCTAssertEqual(try queueProperty(open, "guarded", "PoolState"), "s \"running\"")
        XCTAssertEqual(try managerProperty(open, "Workers"), "u 1", "no reload happened")
        XCTAssertEqual(try dbusSend(open, queuePath("guarded"), queueInterface, "SetWorkers", ["uint32:2"], as: admin).status, 0)
        XCTAssertEqual(try queueProperty(open, "guarded", "Workers"), "u 2")
    }

    func testJobBuriedCarriesTheHandlersReason() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("doomed", tube: "doomed", ["MaxAttempts=1"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        try waitForQueueObject(bus, "doomed")
        let (monitor, output) = try startMonitor(bus)
        defer { monitor.terminate() }

        let client = try JobClient(port: server.port)
        client.use("doomed")
        let id = try XCTUnwrap(client.putID("fail"))
        // The signal's arguments, one a line, as dbus-monitor prints them.
        func arguments() -> [String] {
            guard let signal = output.soFar.components(separatedBy: "interface=org.spool.Spool1.Manager; member=JobBuried\n").dropFirst().first
            else { return [] }
            return signal.split(separator: "\n").prefix(3).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        try waitUntil("JobBuried arrives") { arguments().count == 3 }
        XCTAssertEqual(arguments(), ["string \"doomed\"", "uint64 \(id)", "string \"exit status 3: cannot handle job \(id); attempt 1 of 1\""])
        XCTAssertEqual(client.stats("stats-job \(id)")["state"], "buried")
        XCTAssertEqual(queues.startedAttempts, ["\(id).1"], "MaxAttempts=1: no retry")
        XCTAssertEqual(try queueProperty(bus, "doomed", "Failures"), "t 1")
        XCTAssertEqual(try queueProperty(bus, "doomed", "JobsBuried"), "t 1")
        // The counters are announced too, in the queue's PropertiesChanged.
        try waitUntil("PropertiesChanged carries the failure") {
            output.soFar.components(separatedBy: "path=\(self.queuePath("doomed")); interface=org.freedesktop.DBus.Properties; member=PropertiesChanged")
                .dropFirst().contains { signal in
                    let words = signal.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    return words.contains("string \"Failures\" variant uint64 1")
                }
        }
    }

    func testManagerStopHoldsThePools() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("held", tube: "held", ["Workers=2"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        try waitForQueueObject(bus, "held")

        let stop = try call(bus, manager, managerInterface, "Stop")
        XCTAssertEqual(stop.status, 0, stop.output)
        XCTAssertEqual(try managerProperty(bus, "State"), "s \"stopped\"")
        let client = try JobClient(port: server.port)
        client.use("held")
        XCTAssertEqual(client.putID("quick"), 1)
        XCTAssertEqual(client.putID("quick"), 2)
        // The workers wait for jobs: had the engine handed these out, they would be reserved by now.
        XCTAssertEqual(try queueProperty(bus, "held", "JobsReserved"), "t 0")
        XCTAssertEqual(try queueProperty(bus, "held", "JobsReady"), "t 2")
        try assertStays("no handler starts while spoold is stopped", for: 0.5) { queues.started() == 0 }
        XCTAssertEqual(try queueProperty(bus, "held", "PoolState"), "s \"running\"", "the manager holds the pool without stopping it")

        let start = try call(bus, manager, managerInterface, "Start")
        XCTAssertEqual(start.status, 0, start.output)
        try waitUntil("both jobs are handled") { try self.counter(bus, "held", "Attempts") >= 2 }
        XCTAssertEqual(try queueProperty(bus, "held", "Attempts"), "t 2")
        XCTAssertEqual(queues.startedAttempts, ["1.1", "2.1"])
        XCTAssertEqual(queues.ended(), 2)
        XCTAssertEqual(try queueProperty(bus, "held", "JobsReady"), "t 0")
    }

    func testPoolPropertiesReflectActivity() throws {
        let queues = try QueueFixture()
        try queues.writeQueue("mixed", tube: "mixed", ["Workers=2", "MaxAttempts=2", "BackoffMin=100ms", "BackoffMax=200ms"])
        let bus = try SystemBus()
        let server = try startSpoold(on: bus, queues: queues)
        defer { server.stop() }
        defer { queues.release() }
        try waitForQueueObject(bus, "mixed")
        for (name, value) in [("Attempts", "t 0"), ("Failures", "t 0"), ("AverageRunTime", "d 0"), ("Workers", "u 2"),
                              ("WorkersBusy", "u 0"), ("WorkersIdle", "u 2"), ("PoolState", "s \"running\"")] {
            XCTAssertEqual(try queueProperty(bus, "mixed", name), value, name)
        }

        let client = try JobClient(port: server.port)
        client.use("mixed")
        XCTAssertEqual(client.putID("wait"), 1)
        try waitUntil("the first handler runs") { queues.started(job: 1) == 1 }
        XCTAssertEqual(try queueProperty(bus, "mixed", "WorkersBusy"), "u 1")
        XCTAssertEqual(try queueProperty(bus, "mixed", "WorkersIdle"), "u 1")
        let status = try call(bus, manager, managerInterface, "Status").output
        for fragment in ["\"Workers\" u 2", "\"WorkersBusy\" u 1", "\"WorkersIdle\" u 1"] {
            XCTAssertTrue(status.contains(fragment), "no \(fragment) in \(status)")
        }
        XCTAssertEqual(client.putID("quick"), 2)
        XCTAssertEqual(client.putID("fail"), 3)
        try waitUntil("the failing job is buried after two attempts") { try self.counter(bus, "mixed", "JobsBuried") >= 1 }
        XCTAssertEqual(try queueProperty(bus, "mixed", "Attempts"), "t 3", "2 once, 3 twice")
        XCTAssertEqual(try queueProperty(bus, "mixed", "Failures"), "t 2")
        XCTAssertEqual(try queueProperty(bus, "mixed", "WorkersBusy"), "u 1", "job 1 still runs")

        queues.release()
        try waitUntil("the waiting job is done") { try self.counter(bus, "mixed", "Attempts") >= 4 }
        XCTAssertEqual(try queueProperty(bus, "mixed", "Attempts"), "t 4")
        XCTAssertEqual(queues.startedAttempts, ["1.1", "2.1", "3.1", "3.2"])
        XCTAssertEqual(try queueProperty(bus, "mixed", "Failures"), "t 2")
        XCTAssertEqual(try queueProperty(bus, "mixed", "WorkersBusy"), "u 0")
        XCTAssertEqual(try queueProperty(bus, "mixed", "WorkersIdle"), "u 2")
        XCTAssertEqual(try managerProperty(bus, "WorkersBusy"), "u 0")
        XCTAssertEqual(try managerProperty(bus, "WorkersIdle"), "u 2")
        let average = try queueProperty(bus, "mixed", "AverageRunTime")
        let seconds = try XCTUnwrap(Double(average.dropFirst(2)), average)
        XCTAssertTrue(seconds > 0 && seconds < 30, "a mean of real run times: \(average)")
        XCTAssertEqual(client.stats("stats-job 3")["state"], "buried")
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
    /// By `interface.member`: a method's arguments as `in u` / `out as`, a
    /// signal's as their types, a property's type.
    var signatures: [String: [String]] = [:]
    private var interface: String?
    private var member: (key: String, isMethod: Bool)?

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch element {
        case "interface": interface = attributes["name"]
        case "method", "property", "signal":
            guard let interface, let name = attributes["name"] else { break }
            members[interface, default: []].append(name)
            let key = "\(interface).\(name)"
            signatures[key] = element == "property" ? [attributes["type"] ?? "?"] : []
            member = element == "property" ? nil : (key, element == "method")
        case "arg":
            guard let member, let type = attributes["type"] else { break }
            signatures[member.key, default: []].append(member.isMethod ? "\(attributes["direction"] ?? "in") \(type)" : type)
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if element == "method" || element == "signal" { member = nil }
    }
}
