import DBus
import Foundation
import XCTest

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The DBus module against a real dbus-daemon: one connection exports, another
/// calls, and busctl checks that what we export is ordinary D-Bus.
final class ConnectionTests: XCTestCase {
    private var bus: PrivateBus!
    private var server: Connection!
    private var client: Connection!
    private let busName: BusName = "org.spool.Test1"
    private let path: ObjectPath = "/org/spool/Test1"
    private let interfaceName: InterfaceName = "org.spool.Test1.Echo"
    private let stored = Stored()

    /// A property's value, shared with its handlers.
    final class Stored: @unchecked Sendable {
        private let lock = NSLock()
        private var value: DBusValue = .uint32(7)
        var current: DBusValue {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    override func setUp() async throws {
        bus = try PrivateBus()
        server = try Connection(.address(bus.address))
        client = try Connection(.address(bus.address))
        let stored = self.stored
        server.export(Interface(interfaceName, methods: [
            Method("Echo", inputs: [Argument("value", "v")], outputs: [Argument("value", "v")]) { call in call.arguments },
            Method("Add", inputs: [Argument("a", "u"), Argument("b", "u")], outputs: [Argument("sum", "u")]) { call in
                guard case .uint32(let a) = call.arguments[0], case .uint32(let b) = call.arguments[1] else { return [] }
                return [.uint32(a &+ b)]
            },
            Method("WhoAmI", outputs: [Argument("uid", "u")]) { call in [.uint32(try await call.credentials().userID)] },
            Method("Refuse") { _ in throw DBusError("org.spool.Spool1.Error.NotAllowed", "no") },
        ], properties: [
            Property("Answer", "u", get: { stored.current }, set: { value, _ in stored.current = value }),
            Property("Version", "s", emitsChange: .const, get: { .string("1.0") }),
        ], signals: [SignalDescription("Happened", arguments: [Argument("what", "s")])]), at: path)
        try await server.requestName(busName)
    }

    override func tearDown() {
        server.close()
        client.close()
        bus = nil
    }

    private func call(_ member: MemberName, _ arguments: [DBusValue] = [], interface: InterfaceName? = nil, at path: ObjectPath? = nil) async throws -> [DBusValue] {
        let message = try Message.methodCall(destination: busName, path: path ?? self.path, interface: interface ?? interfaceName, member: member, arguments: arguments)
        return try await client.call(message).arguments()
    }

    private func expectError(_ expected: ErrorName, _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("expected \(expected)")
        } catch let error as DBusError {
            XCTAssertEqual(error.name, expected, error.message)
        } catch {
            XCTFail("\(error)")
        }
    }

    func testEveryTypeSurvivesARoundTrip() async throws {
        let everything: DBusValue = .structure([
            .byte(200), .boolean(true), .int16(-3), .uint16(65000), .int32(-70000), .uint32(4_000_000_000),
            .int64(.min), .uint64(.max), .double(2.5), .string("héllo"), .objectPath("/a/b"), .signature("a{sv}"),
            .array(element: "s", []), .array(element: "ai", [.array(element: "i", [.int32(1), .int32(2)])]),
            .vardict(["k": .uint32(1), "nested": .structure([.string("x"), .variant(.boolean(false))])]),
            .dictionary(key: "t", value: "s", [.init(.uint64(1), .string("one"))]),
        ])
        let reply = try await call("Echo", [.variant(everything)])
        XCTAssertEqual(reply, [.variant(everything)])
    }

    /// A message's wire form reads back to the same arguments; bytes that are
    /// no message, or a message cut short or altered, are refused by libdbus.
    func testMarshalledMessagesReadBackAndDamagedOnesAreRefused() throws {
        let arguments: [DBusValue] = [.string("héllo"), .vardict(["k": .uint32(1)]), .array(element: "ay", [.array(element: "y", [.byte(1)])])]
        let message = try Message.methodCall(destination: busName, path: path, interface: interfaceName, member: "Echo", arguments: arguments)
        let bytes = message.marshalled()
        XCTAssertGreaterThan(bytes.count, 16)
        XCTAssertEqual(try Message(marshalled: bytes).arguments(), arguments)
        let damages: [[UInt8]] = [[], Array(bytes.prefix(bytes.count - 1)), [UInt8(ascii: "X")] + bytes.dropFirst(), Array(repeating: 0xFF, count: 64)]
        for damaged in damages {
            XCTAssertThrowsError(try Message(marshalled: damaged), "\(damaged.prefix(8))")
        }
    }

    func testUnixFileDescriptorsArePassed() async throws {
        var ends: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&ends), 0)
        defer { ends.forEach { close($0) } }
        let reply = try await call("Echo", [.variant(.unixFD(ends[1]))])
        guard case .variant(.unixFD(let received))? = reply.first else { return XCTFail("\(reply)") }
        defer { close(received) }
        XCTAssertNotEqual(received, ends[1], "a duplicate, owned by the receiver")
        XCTAssertEqual(write(received, "x", 1), 1)
        var byte: UInt8 = 0
        XCTAssertEqual(read(ends[0], &byte, 1), 1)
        XCTAssertEqual(byte, UInt8(ascii: "x"))
    }

    func testDescriptorsAMethodDoesNotTakeAreRefusedAndNotKept() async throws {
        var ends: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&ends), 0)
        defer { ends.forEach { close($0) } }
        let open = { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        let before = try open()
        for _ in 0..<20 {
            await expectError("org.freedesktop.DBus.Error.InvalidArgs") { _ = try await self.call("Add", [.unixFD(ends[1]), .uint32(1)]) }
        }
        XCTAssertEqual(try open(), before, "no descriptor kept by the server (both ends live in this process)")
    }

    func testMalformedValuesAreRefusedBeforeLibdbusSeesThem() {
        for bad: DBusValue in [.variant(.structure([])), .dictionary(key: "v", value: "s", []), .dictionary(key: "s", value: "ss", [])] {
            XCTAssertThrowsError(try Message.methodCall(destination: busName, path: path, interface: interfaceName, member: "Echo", arguments: [bad]))
        }
    }

    func testACallOnAClosedConnectionFailsAtOnce() async throws {
        client.close()
        await expectError("org.freedesktop.DBus.Error.Disconnected") { _ = try await self.call("Add", [.uint32(1), .uint32(2)]) }
    }

    func testMethodsCheckTheirSignature() async throws {
        let sum = try await call("Add", [.uint32(2), .uint32(3)])
        XCTAssertEqual(sum, [.uint32(5)])
        await expectError("org.freedesktop.DBus.Error.InvalidArgs") { _ = try await self.call("Add", [.string("2"), .uint32(3)]) }
        await expectError("org.freedesktop.DBus.Error.InvalidArgs") { _ = try await self.call("Add", [.uint32(2)]) }
    }

    func testUnknownNamesGetTheirErrors() async throws {
        await expectError("org.freedesktop.DBus.Error.UnknownMethod") { _ = try await self.call("Nope") }
        await expectError("org.freedesktop.DBus.Error.UnknownInterface") { _ = try await self.call("Echo", interface: "org.spool.Nope") }
        await expectError("org.freedesktop.DBus.Error.UnknownObject") { _ = try await self.call("Echo", [.variant(.byte(1))], at: "/nowhere") }
        await expectError("org.spool.Spool1.Error.NotAllowed") { _ = try await self.call("Refuse") }
    }

    func testPropertiesGetGetAllAndSet() async throws {
        let properties: InterfaceName = "org.freedesktop.DBus.Properties"
        let initial = try await call("Get", [.string(interfaceName.rawValue), .string("Answer")], interface: properties)
        XCTAssertEqual(initial, [.variant(.uint32(7))])
        _ = try await call("Set", [.string(interfaceName.rawValue), .string("Answer"), .variant(.uint32(42))], interface: properties)
        let all = try await call("GetAll", [.string(interfaceName.rawValue)], interface: properties)
        XCTAssertEqual(all, [.vardict(["Answer": .uint32(42), "Version": .string("1.0")])])
        await expectError("org.freedesktop.DBus.Error.PropertyReadOnly") {
            _ = try await self.call("Set", [.string(self.interfaceName.rawValue), .string("Version"), .variant(.string("2"))], interface: properties)
        }
        await expectError("org.freedesktop.DBus.Error.InvalidArgs") {
            _ = try await self.call("Set", [.string(self.interfaceName.rawValue), .string("Answer"), .variant(.string("x"))], interface: properties)
        }
        await expectError("org.freedesktop.DBus.Error.UnknownProperty") {
            _ = try await self.call("Get", [.string(self.interfaceName.rawValue), .string("Nope")], interface: properties)
        }
        XCTAssertEqual(stored.current, .uint32(42), "the refused writes changed nothing")
    }

    func testCallerCredentialsComeFromTheBus() async throws {
        let uid = try await call("WhoAmI")
        XCTAssertEqual(uid, [.uint32(getuid())])
    }

    func testPeerInterface() async throws {
        let peer: InterfaceName = "org.freedesktop.DBus.Peer"
        let pong = try await call("Ping", interface: peer)
        XCTAssertEqual(pong, [])
        guard case .string(let id)? = try await call("GetMachineId", interface: peer).first else { return XCTFail() }
        XCTAssertEqual(id.count, 32)
    }

    func testIntrospectionIsWellFormedAndComplete() async throws {
        let reply = try await call("Introspect", interface: "org.freedesktop.DBus.Introspectable")
        guard case .string(let xml)? = reply.first else { return XCTFail("\(reply)") }
        let parser = XMLParser(data: Data(xml.utf8))
        XCTAssertTrue(parser.parse(), "well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        for fragment in ["<interface name=\"org.spool.Test1.Echo\">", "<method name=\"Add\">", "<arg name=\"sum\" type=\"u\" direction=\"out\"/>",
                         "<property name=\"Answer\" type=\"u\" access=\"readwrite\">", "<property name=\"Version\" type=\"s\" access=\"read\">",
                         "<signal name=\"Happened\">", "org.freedesktop.DBus.Properties"] {
            XCTAssertTrue(xml.contains(fragment), "no \(fragment) in\n\(xml)")
        }
        let root = try await call("Introspect", interface: "org.freedesktop.DBus.Introspectable", at: "/org/spool")
        guard case .string(let rootXML)? = root.first else { return XCTFail() }
        XCTAssertTrue(rootXML.contains("<node name=\"Test1\"/>"), rootXML)
        // The interface field is optional in a call: Introspect alone is the standard one.
        let bare = try Message.methodCall(destination: busName, path: path, interface: nil, member: "Introspect")
        let bareReply = try await client.call(bare).arguments()
        XCTAssertEqual(bareReply, reply)
    }

    func testObjectManagerAnnouncesObjectsAndPropertiesChangedReachesSubscribers() async throws {
        server.addObjectManager(at: path)
        let signals = try await client.subscribe(matchRule: "type='signal',sender='\(busName)'") { _ in true }
        var iterator = signals.makeAsyncIterator()
        let child = try path.appending(ObjectPath.escapedElement("my queue"))
        XCTAssertEqual(child.rawValue, "/org/spool/Test1/my_20queue")
        server.export(Interface("org.spool.Test1.Child", properties: [Property("Size", "t", get: { .uint64(3) })]), at: child)
        let added = await iterator.next()
        XCTAssertEqual(added?.member, "InterfacesAdded")
        XCTAssertEqual(try added?.arguments(), [
            .objectPath(child),
            .dictionary(key: "s", value: "a{sv}", [.init(.string("org.spool.Test1.Child"), .vardict(["Size": .uint64(3)]))]),
        ])
        let managed = try await call("GetManagedObjects", interface: "org.freedesktop.DBus.ObjectManager")
        guard case .dictionary(_, _, let objects)? = managed.first else { return XCTFail("\(managed)") }
        XCTAssertEqual(objects.map(\.key), [.objectPath(child)])
        server.emitPropertiesChanged(path, interfaceName, changed: ["Answer": .uint32(9)])
        let changed = await iterator.next()
        XCTAssertEqual(changed?.member, "PropertiesChanged")
        XCTAssertEqual(try changed?.arguments(), [.string(interfaceName.rawValue), .vardict(["Answer": .uint32(9)]), .strings([])])
        server.unexport(child)
        let removed = await iterator.next()
        XCTAssertEqual(removed?.member, "InterfacesRemoved")
        XCTAssertEqual(try removed?.arguments(), [.objectPath(child), .strings(["org.spool.Test1.Child"])])
    }

    /// A resolver exports, when a call names it, an object that was not
    /// exported yet; a path it does not export stays unknown, and a call to
    /// an exported object never asks it.
    func testAResolverExportsObjectsOnDemand() async throws {
        let root = try path.appending("queue")
        let asked = Asked()
        let server = self.server!
        server.setResolver(below: root) { requested in
            asked.add(requested.rawValue)
            guard requested.rawValue.hasSuffix("/known") else { return }
            server.export(Interface("org.spool.Test1.Child", methods: [
                Method("Where", outputs: [Argument("path", "s")]) { call in [.string(call.message.path?.rawValue ?? "")] },
            ]), at: requested)
        }
        let known = try root.appending("known")
        let reply = try await call("Where", interface: "org.spool.Test1.Child", at: known)
        XCTAssertEqual(reply, [.string(known.rawValue)])
        _ = try await call("Where", interface: "org.spool.Test1.Child", at: known)
        do {
            _ = try await call("Where", interface: "org.spool.Test1.Child", at: try root.appending("unknown"))
            XCTFail("an object the resolver does not export answers")
        } catch let error as DBusError {
            XCTAssertEqual(error.name, "org.freedesktop.DBus.Error.UnknownObject")
        }
        _ = try await call("Add", [.uint32(1), .uint32(2)])
        XCTAssertEqual(asked.paths, [known.rawValue, try root.appending("unknown").rawValue], "asked once per missing object, never for others")
    }

    /// The paths a resolver was asked for.
    final class Asked: @unchecked Sendable {
        private let lock = NSLock()
        private var asked: [String] = []
        var paths: [String] { lock.withLock { asked } }
        func add(_ path: String) { lock.withLock { asked.append(path) } }
    }

    func testBusctlAndDbusSendSeeAnOrdinaryService() throws {
        let busctl = try runCommand("/usr/bin/busctl", ["--address=\(bus.address)", "call", busName.rawValue, path.rawValue, interfaceName.rawValue, "Add", "uu", "40", "2"])
        XCTAssertEqual(busctl.status, 0, busctl.output)
        XCTAssertEqual(busctl.output, "u 42\n")
        let property = try runCommand("/usr/bin/busctl", ["--address=\(bus.address)", "get-property", busName.rawValue, path.rawValue, interfaceName.rawValue, "Version"])
        XCTAssertEqual(property.output, "s \"1.0\"\n")
        let wrong = try runCommand("/usr/bin/busctl", ["--address=\(bus.address)", "call", busName.rawValue, path.rawValue, interfaceName.rawValue, "Add", "s", "x"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.output.contains("takes 'uu', not 's'"), wrong.output)
        let send = try runCommand("/usr/bin/dbus-send", ["--bus=\(bus.address)", "--print-reply=literal", "--dest=\(busName)", path.rawValue,
                                                 "\(interfaceName).Add", "uint32:1", "uint32:2"])
        XCTAssertEqual(send.status, 0, send.output)
        XCTAssertTrue(send.output.contains("uint32 3"), send.output)
    }
}
