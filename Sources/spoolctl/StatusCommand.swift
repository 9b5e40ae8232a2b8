import ArgumentParser
import DBus
import SpoolControlAPI

/// `spoolctl status`: the daemon, its durability, its tubes and workers.
struct StatusCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon's state, durability, tubes and workers.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let control = try connection.control()
        let status = try await control.status()
        let queues = try await control.queues()
        if output.json {
            var object = JSONOutput.object(status)
            object["tubes"] = queues.map(\.json)
            JSONOutput.print(object)
        } else {
            print(Self.summary(status))
            print()
            print(QueueSnapshot.table(queues).render())
        }
    }

    /// The daemon's state in a few aligned lines, as `systemctl status` does.
    static func summary(_ status: [String: DBusValue]) -> String {
        let state = status.text(ManagerAPI.state).printable
        let stateStyle: Style = state == ManagerState.running.rawValue ? .green : .yellow
        let lines: [(String, String)] = [
            ("State", stateStyle.apply(state)),
            ("Version", status.text(ManagerAPI.version).printable),
            ("Durability", status.text(ManagerAPI.durability).printable),
            ("Uptime", uptime(status.counter(ManagerAPI.uptimeSeconds))),
            ("Connections", "\(status.counter(ManagerAPI.connections))"),
            ("Tubes", "\(status.counter(ManagerAPI.tubes))"),
            ("Jobs", "\(status.counter(ManagerAPI.jobsReady)) ready (\(status.counter(ManagerAPI.jobsUrgent)) urgent), "
                + "\(status.counter(ManagerAPI.jobsReserved)) reserved, \(status.counter(ManagerAPI.jobsDelayed)) delayed, "
                + "\(status.counter(ManagerAPI.jobsBuried)) buried"),
            ("Workers", "\(status.counter(ManagerAPI.workersBusy)) of \(status.counter(ManagerAPI.workers)) busy"),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        return lines.filter { !$0.1.isEmpty }.map { label, value in
            String(repeating: " ", count: width - label.count) + label + ": " + value
        }.joined(separator: "\n")
    }

    /// `93784` → `1d 2h 3m 4s`, leaving out leading zero units.
    static func uptime(_ seconds: UInt64) -> String {
        let units = [(seconds / 86_400, "d"), (seconds % 86_400 / 3_600, "h"), (seconds % 3_600 / 60, "m"), (seconds % 60, "s")]
        let shown = units.drop { $0.0 == 0 }
        return shown.isEmpty ? "0s" : shown.map { "\($0.0)\($0.1)" }.joined(separator: " ")
    }
}
