import CDBus
import DurationConversions
import Glibc
import Synchronization

/// A connection to a message bus (or a peer), served by a thread of its own.
///
/// Only that thread touches libdbus's connection: it writes what others
/// queue with ``send(_:)``, reads, and dispatches. Method calls to exported
/// objects run their handlers as tasks, so a slow handler never stalls the
/// connection, and the connection never blocks the caller's threads.
///
/// Bounded against callers that send faster than they are answered. The
/// bus limits the calls awaiting a reply per caller, but not calls that want
/// none: a sender with ``maximumCallsPerSender`` of those in flight has the
/// next dropped. With ``maximumCallsInFlight`` calls in flight in all, the
/// next is refused at once (`LimitsExceeded`, or dropped when it wants no
/// reply), so that the thread keeps reading and dispatching, and the
/// replies to the connection's own calls (the callers' credentials, which
/// the calls in flight wait for) still arrive.
///
/// ```swift
/// let bus = try Connection(.system)
/// bus.export(Interface("org.example.Hello1", methods: [
///     Method("Hello", inputs: [Argument("name", "s")], outputs: [Argument("greeting", "s")]) { call in
///         [.string("hello, \(call.arguments[0])")]
///     },
/// ]), at: "/org/example/Hello1")
/// try await bus.requestName("org.example.Hello1")
/// ```
public final class Connection: Sendable {
    /// Incoming method calls answered at once.
    public static let maximumCallsInFlight = 512
    /// Incoming method calls that want no reply answered at once, per sender.
    public static let maximumCallsPerSender = 32

    /// Which bus to connect to.
    public enum Bus: Sendable {
        /// The system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else the standard socket).
        case system
        /// The session bus (`DBUS_SESSION_BUS_ADDRESS`).
        case session
        /// A bus at this address, e.g. `unix:path=/run/test/bus`.
        case address(String)
    }

    /// The connection's unique name on the bus, e.g. `:1.42`.
    public let uniqueName: String
    /// libdbus's connection, used only on the connection's thread (and in init).
    nonisolated(unsafe) let raw: OpaquePointer
    let objects = ObjectServer()
    /// A pipe whose read end wakes the connection's thread from `poll`.
    private let wakeup: (read: Int32, write: Int32)
    private let state = Mutex(State())
    private let announcements: AsyncStream<Announcement>.Continuation

    /// An object manager's signal, emitted in the order objects come and go.
    private enum Announcement {
        case added(ObjectPath, [Interface], properties: [String: DBusValue]?, root: ObjectPath)
        case removed(ObjectPath, [InterfaceName], root: ObjectPath)
    }

    private struct State {
        var outgoing: [(message: Message, reply: PendingCall?)] = []
        var pendingCalls: [UInt32: PendingCall] = [:]
        var subscriptions: [UInt64: Subscription] = [:]
        var nextSubscription: UInt64 = 0
        /// The tasks answering incoming method calls, until each ends;
        /// cancelled when the connection closes.
        var callTasks: [UInt64: Task<Void, Never>] = [:]
        var nextCallTask: UInt64 = 0
        /// Calls that want no reply in flight, by sender.
        var callsBySender: [String: Int] = [:]
        var closed = false
    }

    private struct PendingCall {
        var deadline: ContinuousClock.Instant
        /// For calls to the bus daemon: the only sender whose reply counts, so
        /// that no peer can forge the bus's answer (credentials above all).
        var expectedSender: String?
        var continuation: CheckedContinuation<Message, any Error>
    }

    private struct Subscription {
        var matches: @Sendable (Message) -> Bool
        var continuation: AsyncStream<Message>.Continuation
    }

    /// Connects and registers on the bus (`Hello`), then starts the
    /// connection's thread.
    /// - Throws: ``DBusError`` when the bus cannot be reached.
    public init(_ bus: Bus) throws {
        dbus_threads_init_default()
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        let connection: OpaquePointer?
        switch bus {
        case .system: connection = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error)
        case .session: connection = dbus_bus_get_private(DBUS_BUS_SESSION, &error)
        case .address(let address):
            connection = dbus_connection_open_private(address, &error)
            if let connection, dbus_bus_register(connection, &error) == 0 {
                dbus_connection_close(connection)
                dbus_connection_unref(connection)
                throw DBusError(libdbus: error, fallback: "cannot connect")
            }
        }
        guard let connection else { throw DBusError(libdbus: error, fallback: "cannot connect") }
        dbus_connection_set_exit_on_disconnect(connection, 0)
        raw = connection
        uniqueName = dbus_bus_get_unique_name(connection).map { String(cString: $0) } ?? ""
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            dbus_connection_close(connection)
            dbus_connection_unref(connection)
            throw DBusError.failed("cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        wakeup = (ends[0], ends[1])
        let (stream, continuation) = AsyncStream.makeStream(of: Announcement.self)
        announcements = continuation
        // The thread below holds the connection until close(), so the filter's
        // unretained reference stays valid as long as libdbus may call it.
        let context = Unmanaged.passUnretained(self).toOpaque()
        dbus_connection_add_filter(connection, { _, message, context in
            guard let message, let context else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
            let connection = Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue()
            return connection.handle(Message(retaining: message)) ? DBUS_HANDLER_RESULT_HANDLED : DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }, context, nil)
        do {
            try startThread()
        } catch {
            dbus_connection_close(connection)
            dbus_connection_unref(connection)
            throw error
        }
        Task { [self] in
            for await announcement in stream { await announce(announcement) }
        }
    }

    /// Closes the connection; pending calls fail and subscriptions finish.
    /// The connection stays alive until then, held by its thread.
    public func close() {
        state.withLock { $0.closed = true }
        wake()
    }

    /// Whether the connection is closed (by ``close()`` or by the bus).
    public var isClosed: Bool {
        state.withLock { $0.closed }
    }

    deinit {
        // Only here: a late send() must never write into a reused descriptor.
        Glibc.close(wakeup.read)
        Glibc.close(wakeup.write)
    }

    // MARK: Sending

    /// Queues a message for the connection's thread to send; dropped once
    /// the connection is closed.
    public func send(_ message: Message) {
        let open = state.withLock { state in
            if !state.closed { state.outgoing.append((message, nil)) }
            return !state.closed
        }
        if open { wake() }
    }

    /// Sends a method call and waits for its reply.
    /// - Throws: ``DBusError`` when the reply is an error, when no reply
    ///   arrives within `timeout` (`NoReply`), or when the connection closes.
    public func call(_ message: Message, timeout: Duration = .seconds(25)) async throws -> Message {
        try await withCheckedThrowingContinuation { continuation in
            // The serial is known once the connection's thread sends the
            // message; it registers the call then, before any reply is read.
            let expected = message.destination == BusName.bus.rawValue ? BusName.bus.rawValue : nil
            let open = state.withLock { state in
                if !state.closed {
                    state.outgoing.append((message, PendingCall(deadline: .now + timeout, expectedSender: expected, continuation: continuation)))
                }
                return !state.closed
            }
            if open {
                wake()
            } else {
                continuation.resume(throwing: DBusError("org.freedesktop.DBus.Error.Disconnected", "the connection is closed"))
            }
        }
    }

    /// Calls a method and returns the reply's arguments.
    public func call(
        _ destination: BusName, _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName,
        _ arguments: [DBusValue] = [], timeout: Duration = .seconds(25)
    ) async throws -> [DBusValue] {
        let message = try Message.methodCall(destination: destination, path: path, interface: interface, member: member, arguments: arguments)
        return try await call(message, timeout: timeout).arguments()
    }

    /// Emits a signal from `path`.
    public func emit(_ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ arguments: [DBusValue] = []) throws {
        send(try Message.signal(path: path, interface: interface, member: member, arguments: arguments))
    }

    /// The messages (usually signals) that `matchRule` selects, e.g.
    /// `type='signal',interface='org.freedesktop.DBus.Properties'`: the rule
    /// is added to the bus (`AddMatch`) and messages are filtered by `matches`.
    /// The subscription ends when the stream's consumer stops iterating it
    /// (or its task is cancelled), or when the connection closes.
    public func subscribe(matchRule: String, matches: @escaping @Sendable (Message) -> Bool) async throws -> AsyncStream<Message> {
        try await addMatch(matchRule)
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        let id = state.withLock { state in
            state.nextSubscription += 1
            return state.nextSubscription
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscriptions.removeValue(forKey: id) }
        }
        let open = state.withLock { state in
            if !state.closed { state.subscriptions[id] = Subscription(matches: matches, continuation: continuation) }
            return !state.closed
        }
        if !open { continuation.finish() }
        return stream
    }

    /// Asks the bus to route the messages `matchRule` selects to this
    /// connection too (`AddMatch`), e.g. for a second rule whose messages a
    /// ``subscribe(matchRule:matches:)`` stream's filter also takes.
    public func addMatch(_ matchRule: String) async throws {
        _ = try await call(.bus, .bus, .bus, "AddMatch", [.string(matchRule)])
    }

    // MARK: Names and credentials

    /// Becomes the primary owner of `name`, or throws: with
    /// `DBUS_NAME_FLAG_DO_NOT_QUEUE`, so a second daemon fails at once.
    /// Export every object first: calls queued during activation arrive as
    /// soon as the name is owned.
    public func requestName(_ name: BusName) async throws {
        let reply = try await call(.bus, .bus, .bus, "RequestName", [.string(name.rawValue), .uint32(UInt32(DBUS_NAME_FLAG_DO_NOT_QUEUE))])
        guard reply.first == .uint32(UInt32(DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER)) || reply.first == .uint32(UInt32(DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER)) else {
            throw DBusError("org.freedesktop.DBus.Error.AddressInUse", "\(name) is owned by another connection")
        }
    }

    /// The unique name of the connection that owns `name` now, or nil when
    /// none does: the sender that the signals of `name` carry.
    public func nameOwner(_ name: BusName) async throws -> String? {
        do {
            let reply = try await call(.bus, .bus, .bus, "GetNameOwner", [.string(name.rawValue)])
            guard case .string(let owner)? = reply.first else { throw DBusError.failed("malformed name owner from the bus") }
            return owner
        } catch let error as DBusError where error.name.rawValue == "org.freedesktop.DBus.Error.NameHasNoOwner" {
            return nil
        }
    }

    /// The user and groups of the connection named `sender`, from the bus.
    public func credentials(of sender: String) async throws -> Credentials {
        let reply = try await call(.bus, .bus, .bus, "GetConnectionCredentials", [.string(sender)])
        guard case .dictionary(_, _, let entries)? = reply.first else { throw DBusError.failed("malformed credentials from the bus") }
        var userID: UInt32?
        var groupIDs: [UInt32] = []
        var processID: UInt32?
        for entry in entries {
            switch (entry.key, entry.value.unwrapped) {
            case (.string("UnixUserID"), .uint32(let id)): userID = id
            case (.string("ProcessID"), .uint32(let id)): processID = id
            case (.string("UnixGroupIDs"), .array(_, let ids)):
                groupIDs = ids.compactMap { if case .uint32(let id) = $0 { id } else { nil } }
            default: break
            }
        }
        guard let userID else { throw DBusError.accessDenied("the bus does not know the caller's user") }
        return Credentials(userID: userID, groupIDs: groupIDs, processID: processID)
    }

    // MARK: Objects

    /// Exports `interface` on the object at `path` (creating the object).
    /// An object under an ``addObjectManager(at:)`` root is announced with
    /// `InterfacesAdded`, carrying `properties` when given (the values the
    /// caller knows the object starts with), else the values its getters
    /// return a moment later. Announcements go out in the order of the
    /// exports and unexports.
    public func export(_ interface: Interface, at path: ObjectPath, properties: [String: DBusValue]? = nil) {
        if let root = objects.export(interface, at: path) {
            announcements.yield(.added(path, [interface], properties: properties, root: root))
        }
    }

    /// Removes the object at `path` with all its interfaces, announcing it
    /// with `InterfacesRemoved` under an object manager.
    public func unexport(_ path: ObjectPath) {
        if let (root, names) = objects.unexport(path) {
            announcements.yield(.removed(path, names, root: root))
        }
    }

    private func announce(_ announcement: Announcement) async {
        switch announcement {
        case .added(let path, let interfaces, let known?, let root):
            let properties = DBusValue.dictionary(
                key: "s", value: "a{sv}", interfaces.map { .init(.string($0.name.rawValue), .vardict(known)) })
            try? emit(root, ObjectManagerInterface.name, ObjectManagerInterface.interfacesAdded, [.objectPath(path), properties])
        case .added(let path, let interfaces, nil, let root):
            // An object removed before its getters answered is not announced;
            // its InterfacesRemoved still follows, which subscribers ignore.
            guard let properties = try? await ObjectManagerInterface.properties(of: interfaces) else { return }
            try? emit(root, ObjectManagerInterface.name, ObjectManagerInterface.interfacesAdded, [.objectPath(path), properties])
        case .removed(let path, let names, let root):
            try? emit(root, ObjectManagerInterface.name, ObjectManagerInterface.interfacesRemoved, [.objectPath(path), .strings(names.map(\.rawValue))])
        }
    }

    /// Lets `resolver` export, on demand, the objects below `root` that calls
    /// name before they were exported: it runs before such a call is
    /// answered, and exports the object (with ``export(_:at:properties:)``)
    /// if it exists. For objects that stand for things which appear faster
    /// than their owner publishes them, such as the queues of a server.
    public func setResolver(below root: ObjectPath, _ resolver: @escaping @Sendable (ObjectPath) async -> Void) {
        objects.setResolver(below: root, resolver)
    }

    /// Makes `path` an `org.freedesktop.DBus.ObjectManager` for the objects below it.
    public func addObjectManager(at path: ObjectPath) {
        objects.addManager(at: path)
    }

    /// Emits `PropertiesChanged` for properties of `interface` at `path`.
    public func emitPropertiesChanged(_ path: ObjectPath, _ interface: InterfaceName, changed: [String: DBusValue], invalidated: [String] = []) {
        try? emit(path, PropertiesInterface.name, PropertiesInterface.propertiesChanged, [.string(interface.rawValue), .vardict(changed), .strings(invalidated)])
    }

    // MARK: The connection's thread

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeup.write, &byte, 1)
    }

    /// Starts the thread that serves the connection with ``run()``; it holds
    /// the connection until the connection is closed.
    private func startThread() throws {
        let retained = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { argument in
            let connection = Unmanaged<Connection>.fromOpaque(argument!).takeRetainedValue()
            connection.run()
            return nil
        }, retained.toOpaque())
        guard code == 0 else {
            retained.release()
            throw DBusError.failed("cannot start the connection's thread: \(String(cString: strerror(code)))")
        }
        pthread_detach(thread)
    }

    private func run() {
        var descriptor: Int32 = -1
        dbus_connection_get_unix_fd(raw, &descriptor)
        while true {
            let closed = state.withLock { $0.closed }
            if closed || dbus_connection_get_is_connected(raw) == 0 { break }
            let outgoing = state.withLock { state in
                defer { state.outgoing.removeAll() }
                return state.outgoing
            }
            for (message, reply) in outgoing {
                var serial: UInt32 = 0
                guard dbus_connection_send(raw, message.raw, &serial) != 0 else {
                    reply?.continuation.resume(throwing: DBusError.failed("out of memory"))
                    continue
                }
                if let reply { state.withLock { $0.pendingCalls[serial] = reply } }
            }
            dbus_connection_read_write(raw, 0)
            while dbus_connection_dispatch(raw) == DBUS_DISPATCH_DATA_REMAINS {}
            let timeout = expireCalls()
            var fds = [
                pollfd(fd: descriptor, events: Int16(POLLIN) | (dbus_connection_has_messages_to_send(raw) != 0 ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, timeout)
            if fds[1].revents != 0 {
                var bytes = [UInt8](repeating: 0, count: 64)
                while read(wakeup.read, &bytes, bytes.count) > 0 {}
            }
        }
        shutDown()
    }

    /// Fails the calls whose time is up; returns the poll timeout (ms) until the next deadline.
    private func expireCalls() -> Int32 {
        let now = ContinuousClock.now
        let (expired, next) = state.withLock { state in
            let expired = state.pendingCalls.filter { $0.value.deadline <= now }
            for serial in expired.keys { state.pendingCalls[serial] = nil }
            return (expired.values.map(\.continuation), state.pendingCalls.values.map(\.deadline).min())
        }
        for continuation in expired {
            continuation.resume(throwing: DBusError("org.freedesktop.DBus.Error.NoReply", "no reply within the timeout"))
        }
        guard let next else { return -1 }
        return Int32(clamping: (next - now).milliseconds + 1)
    }

    private func shutDown() {
        let (calls, subscriptions, callTasks) = state.withLock { state in
            state.closed = true
            let calls = state.pendingCalls.values.map(\.continuation) + state.outgoing.compactMap { $0.reply?.continuation }
            let subscriptions = state.subscriptions.values.map(\.continuation)
            let callTasks = Array(state.callTasks.values)
            state.pendingCalls.removeAll()
            state.outgoing.removeAll()
            state.subscriptions.removeAll()
            state.callTasks.removeAll()
            return (calls, subscriptions, callTasks)
        }
        for continuation in calls {
            continuation.resume(throwing: DBusError("org.freedesktop.DBus.Error.Disconnected", "the connection is closed"))
        }
        subscriptions.forEach { $0.finish() }
        callTasks.forEach { $0.cancel() }
        announcements.finish()
        dbus_connection_close(raw)
        dbus_connection_unref(raw)
    }

    /// Called on the connection's thread for every incoming message.
    private func handle(_ message: Message) -> Bool {
        switch message.kind {
        case .methodReturn, .error:
            let pending = state.withLock { state -> PendingCall? in
                guard let pending = state.pendingCalls[message.replySerial],
                      pending.expectedSender == nil || pending.expectedSender == message.sender
                else { return nil }
                return state.pendingCalls.removeValue(forKey: message.replySerial)
            }
            guard let pending else { return false }
            if message.kind == .error {
                let name = message.errorName.flatMap { try? ErrorName($0) } ?? "org.freedesktop.DBus.Error.Failed"
                let text = (try? message.arguments()).flatMap { if case .string(let text)? = $0.first { text } else { nil } } ?? ""
                pending.continuation.resume(throwing: DBusError(name, text))
            } else {
                pending.continuation.resume(returning: message)
            }
            return true
        case .signal:
            let subscribers = state.withLock { $0.subscriptions.values.filter { $0.matches(message) } }
            subscribers.forEach { $0.continuation.yield(message) }
            return !subscribers.isEmpty
        case .methodCall:
            // Every call is answered here, with UnknownObject and the like
            // where nothing matches, rather than libdbus's generic reply.
            answer(message)
            return true
        case nil:
            return false
        }
    }

    /// Answers an incoming method call in a task of its own, tracked until it
    /// ends so that closing the connection cancels it. Drops a call that
    /// wants no reply when its sender has ``maximumCallsPerSender`` of those
    /// in flight, and refuses any beyond ``maximumCallsInFlight`` in all.
    private func answer(_ call: Message) {
        let counted = call.expectsReply ? nil : call.sender ?? ""
        let refused = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            if let sender = counted, state.callsBySender[sender, default: 0] >= Self.maximumCallsPerSender { return false }
            guard state.callTasks.count < Self.maximumCallsInFlight else { return true }
            if let sender = counted { state.callsBySender[sender, default: 0] += 1 }
            state.nextCallTask += 1
            let id = state.nextCallTask
            state.callTasks[id] = Task { [self] in
                await objects.dispatch(call, on: self)
                self.state.withLock { state in
                    state.callTasks[id] = nil
                    if let sender = counted {
                        state.callsBySender[sender, default: 1] -= 1
                        if state.callsBySender[sender] == 0 { state.callsBySender[sender] = nil }
                    }
                }
            }
            return false
        }
        if refused, call.expectsReply,
           let refusal = call.errorReply(.limitsExceeded("more than \(Self.maximumCallsInFlight) calls at once; try again")) {
            send(refusal)
        }
    }

}

extension BusName {
    /// The bus daemon itself, `org.freedesktop.DBus`.
    public static let bus: BusName = "org.freedesktop.DBus"
}

extension ObjectPath {
    /// The bus daemon's object, `/org/freedesktop/DBus`.
    public static let bus: ObjectPath = "/org/freedesktop/DBus"
}

extension InterfaceName {
    /// The bus daemon's interface, `org.freedesktop.DBus`.
    public static let bus: InterfaceName = "org.freedesktop.DBus"
}

extension MemberName {
    /// The bus daemon's signal `NameOwnerChanged(s name, s old_owner, s new_owner)`.
    public static let nameOwnerChanged: MemberName = "NameOwnerChanged"
}
