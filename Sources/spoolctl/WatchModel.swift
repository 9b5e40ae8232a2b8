import DBus
import Foundation
import SpoolControlAPI

/// What `spoolctl watch` shows, kept current by spoold's signals alone.
struct WatchModel {
    /// One change a signal brought.
    enum Change {
        /// The manager's properties changed.
        case manager([String: DBusValue])
        /// A queue's properties changed.
        case queue(String, [String: DBusValue])
        /// A tube appeared.
        case added(String, [String: DBusValue])
        /// A tube went away.
        case removed(String)
        /// A job was buried.
        case buried(tube: String, id: UInt64, reason: String)
        /// spoold took its bus name: everything must be read again.
        case started
        /// spoold left the bus.
        case stopped

        /// The change as one line of text (a reason's control characters
        /// escaped, as the line goes to a terminal).
        var line: String {
            switch self {
            case .manager(let properties): "spoold " + Self.assignments(properties)
            case .queue(let tube, let properties): "tube \(tube) " + Self.assignments(properties)
            case .added(let tube, _): "tube \(tube) appeared"
            case .removed(let tube): "tube \(tube) went away"
            case .buried(let tube, let id, let reason): "job \(id) buried in \(tube)" + (reason.isEmpty ? "" : ": \(reason.printable)")
            case .started: "spoold started"
            case .stopped: "spoold stopped"
            }
        }

        private static func assignments(_ properties: [String: DBusValue]) -> String {
            properties.sorted { $0.key < $1.key }.map { "\($0.key)=\(JSONOutput.value($0.value))" }.joined(separator: " ")
        }
    }

    /// How many recent events the screen keeps.
    static let recentEvents = 5

    /// The manager's `Status()`, updated by its PropertiesChanged.
    var status: [String: DBusValue]
    /// The queues by object path.
    var queues: [ObjectPath: QueueSnapshot]
    /// The unique bus name of spoold's connection, the only sender whose
    /// signals count: on a bus anyone may send a signal to this client, as
    /// spoold's or the bus's (nil while spoold is not running).
    private(set) var owner: String?
    /// The latest events worth a line (burials, tubes coming and going), newest last.
    private(set) var events: [String] = []

    init(status: [String: DBusValue], queues: [QueueSnapshot], owner: String?) {
        self.status = status
        self.queues = Dictionary(uniqueKeysWithValues: queues.map { ($0.path, $0) })
        self.owner = owner
    }

    /// The match rules for the signals the model follows.
    static let matchRules = [
        "type='signal',sender='\(ControlNames.busName)',path_namespace='\(ControlNames.managerPath)'",
        "type='signal',sender='\(BusName.bus)',interface='\(InterfaceName.bus)',member='\(MemberName.nameOwnerChanged)',arg0='\(ControlNames.busName)'",
    ]

    /// Whether `message` is one of the signals the model follows.
    static func follows(_ message: Message) -> Bool {
        guard message.kind == .signal, let path = message.path else { return false }
        if path == .bus { return message.member == .nameOwnerChanged }
        return path.isDescendant(of: ControlNames.managerPath)
    }

    /// Applies a signal; returns what changed, or nil for a signal of no
    /// interest or from another sender than spoold (or the bus, for its own).
    mutating func apply(_ message: Message) -> Change? {
        guard let path = message.path, let member = message.member, let arguments = try? message.arguments() else { return nil }
        let trusted = path == .bus ? BusName.bus.rawValue : owner
        guard let trusted, message.sender == trusted else { return nil }
        switch (member, arguments.first, arguments.count > 1 ? arguments[1] : nil) {
        case (PropertiesInterface.propertiesChanged, _, let changed?):
            let properties = changed.vardictValue ?? [:]
            if path == ControlNames.managerPath {
                status.merge(properties) { $1 }
                return .manager(properties)
            }
            guard var queue = queues[path] else { return nil }
            queue.properties.merge(properties) { $1 }
            queues[path] = queue
            return .queue(queue.name, properties)
        case (ObjectManagerInterface.interfacesAdded, .objectPath(let added)?, .dictionary(_, _, let interfaces)?):
            guard let entry = interfaces.first(where: { $0.key == .string(ControlNames.queue.rawValue) }) else { return nil }
            let queue = QueueSnapshot(path: added, properties: entry.value.vardictValue ?? [:])
            queues[added] = queue
            return noted(.added(queue.name, queue.properties))
        case (ObjectManagerInterface.interfacesRemoved, .objectPath(let removed)?, _):
            guard let queue = queues.removeValue(forKey: removed) else { return nil }
            return noted(.removed(queue.name))
        case (ManagerAPI.jobBuried.name, .string(let tube)?, .uint64(let id)?):
            let reason = arguments.count > 2 ? "\(JSONOutput.value(arguments[2]))" : ""
            return noted(.buried(tube: tube, id: id, reason: reason))
        case (MemberName.nameOwnerChanged, _, _):
            guard arguments.count > 2, case .string(let owner) = arguments[2] else { return nil }
            if owner.isEmpty {
                self.owner = nil
                status[ManagerAPI.state] = .string("not running")
                queues = [:]
                return noted(.stopped)
            }
            self.owner = owner
            return noted(.started)
        default:
            return nil
        }
    }

    /// The queues sorted by tube name.
    var sortedQueues: [QueueSnapshot] { queues.values.sorted { $0.name < $1.name } }

    /// The whole screen, for a terminal.
    func screen(at time: Date) -> String {
        var lines = [StatusCommand.summary(status), "", QueueSnapshot.table(sortedQueues).render()]
        if !events.isEmpty {
            lines += ["", Style.bold.apply("Recent events")] + events
        }
        lines += ["", Style.dim.apply("updated \(Self.clock(time)) by spoold's signals; Ctrl-C quits")]
        return lines.joined(separator: "\n")
    }

    /// `time` as HH:MM:SS, local time.
    static func clock(_ time: Date) -> String {
        var seconds = time_t(time.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// `text` with control characters (a terminal's escape sequences among
    /// them) shown as `\u{…}` escapes: a handler's reason is its own words.
    /// Keeps `change` among the recent events; returns it.
    private mutating func noted(_ change: Change) -> Change {
        events.append("\(Self.clock(Date())) \(change.line)")
        events.removeFirst(max(0, events.count - Self.recentEvents))
        return change
    }
}
