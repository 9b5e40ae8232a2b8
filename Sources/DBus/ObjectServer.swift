import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The objects a connection exports and the routing of method calls to them,
/// including the standard interfaces every object has.
final class ObjectServer: Sendable {
    /// Exports, on demand, an object a call names before it was exported.
    typealias Resolver = @Sendable (ObjectPath) async -> Void

    private struct State {
        var objects: [ObjectPath: [InterfaceName: Interface]] = [:]
        var managers: Set<ObjectPath> = []
        var resolvers: [ObjectPath: Resolver] = [:]
    }

    private let state = Mutex(State())

    /// Adds `interface` to the object at `path`; returns the object manager
    /// root that should announce it, if any.
    func export(_ interface: Interface, at path: ObjectPath) -> ObjectPath? {
        state.withLock { state in
            state.objects[path, default: [:]][interface.name] = interface
            return Self.manager(of: path, in: state.managers)
        }
    }

    /// Removes the object at `path`; returns its manager root and interface
    /// names when a manager should announce the removal.
    func unexport(_ path: ObjectPath) -> (ObjectPath, [InterfaceName])? {
        state.withLock { state in
            guard let interfaces = state.objects.removeValue(forKey: path),
                  let root = Self.manager(of: path, in: state.managers)
            else { return nil }
            return (root, interfaces.keys.sorted())
        }
    }

    /// Lets `resolver` export objects below `root` when a call names one
    /// that is not exported (yet).
    func setResolver(below root: ObjectPath, _ resolver: @escaping Resolver) {
        state.withLock { $0.resolvers[root] = resolver }
    }

    /// Gives the resolver of `path`, if any, a chance to export it.
    private func resolve(_ path: ObjectPath) async {
        let resolver = state.withLock { state -> Resolver? in
            guard state.objects[path] == nil else { return nil }
            return state.resolvers.first { path != $0.key && path.isDescendant(of: $0.key) }?.value
        }
        await resolver?(path)
    }

    func addManager(at path: ObjectPath) {
        state.withLock { _ = $0.managers.insert(path) }
    }

    /// The interfaces of the object at `path`.
    func interfaces(at path: ObjectPath) -> [InterfaceName: Interface]? {
        state.withLock { $0.objects[path] }
    }

    /// Whether `path` is an object manager root.
    func isManager(_ path: ObjectPath) -> Bool {
        state.withLock { $0.managers.contains(path) }
    }

    /// Every object strictly below `root`, with its interfaces.
    func objects(below root: ObjectPath) -> [(ObjectPath, [Interface])] {
        state.withLock { state in
            state.objects
                .filter { $0.key != root && $0.key.isDescendant(of: root) }
                .map { ($0.key, $0.value.values.sorted { $0.name < $1.name }) }
                .sorted { $0.0 < $1.0 }
        }
    }

    /// The names of the nodes directly below `path` (objects, or paths that
    /// lead to objects), for introspection.
    func children(of path: ObjectPath) -> [String] {
        let prefix = path.rawValue == "/" ? "/" : path.rawValue + "/"
        let names = state.withLock { state in
            state.objects.keys.compactMap { object -> String? in
                guard object.rawValue.hasPrefix(prefix), object != path else { return nil }
                return object.rawValue.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
            }
        }
        return Set(names).sorted()
    }

    /// Answers one method call.
    func dispatch(_ message: Message, on connection: Connection) async {
        let reply: Message?
        var received: [DBusValue] = []
        // Received descriptors are closed once the reply (which may send them on) is built.
        defer { Self.closeDescriptors(in: received) }
        do {
            let values = try await answer(message, on: connection) { received = $0 }
            reply = try message.methodReturn(values)
        } catch let error as DBusError {
            reply = message.errorReply(error)
        } catch {
            reply = message.errorReply(.failed("\(error)"))
        }
        if message.expectsReply, let reply { connection.send(reply) }
    }

    /// The reply's values. Arguments are decoded only once the signature is
    /// known to match, so a call can neither smuggle in file descriptors a
    /// method does not take nor make spoold decode a huge value for nothing.
    /// File descriptors a method does take are closed once its reply is
    /// built: a handler that keeps one must `dup` it.
    private func answer(
        _ message: Message, on connection: Connection, received: (_ arguments: [DBusValue]) -> Void
    ) async throws -> [DBusValue] {
        guard let path = message.path, let member = message.member else { throw DBusError.invalidArgs("a method call needs a path and a member") }
        await resolve(path)
        if let standard = try await StandardInterfaces.answer(message, path: path, member: member, server: self, connection: connection) {
            return standard
        }
        guard let interfaces = interfaces(at: path) else {
            throw DBusError.unknownObject("no object at \(path)")
        }
        let method: Method
        if let name = message.interface {
            guard let interface = interfaces[name] else { throw DBusError.unknownInterface("\(path) has no interface \(name)") }
            guard let found = interface.method(member) else { throw DBusError.unknownMethod("\(name) has no method \(member)") }
            method = found
        } else {
            guard let found = interfaces.values.sorted(by: { $0.name < $1.name }).lazy.compactMap({ $0.method(member) }).first else {
                throw DBusError.unknownMethod("\(path) has no method \(member)")
            }
            method = found
        }
        guard message.signature == method.inputSignature else {
            throw DBusError.invalidArgs("\(member) takes '\(method.inputSignature)', not '\(message.signature)'")
        }
        let arguments = try message.arguments()
        received(arguments)
        let results = try await method.handler(MethodCall(message: message, arguments: arguments, connection: connection))
        guard signature(of: results) == method.outputSignature else {
            throw DBusError.failed("\(member) produced '\(signature(of: results))' instead of '\(method.outputSignature)'")
        }
        return results
    }

    /// Closes every Unix file descriptor in `values`.
    static func closeDescriptors(in values: [DBusValue]) {
        for value in values {
            switch value {
            case .unixFD(let descriptor): close(descriptor)
            case .array(_, let items), .structure(let items): closeDescriptors(in: items)
            case .dictionary(_, _, let entries): closeDescriptors(in: entries.flatMap { [$0.key, $0.value] })
            case .variant(let inner): closeDescriptors(in: [inner])
            default: break
            }
        }
    }

    private static func manager(of path: ObjectPath, in managers: Set<ObjectPath>) -> ObjectPath? {
        managers.filter { path != $0 && path.isDescendant(of: $0) }.max { $0.rawValue.count < $1.rawValue.count }
    }
}
