import ArgumentParser
import DBus
import Foundation
import SpoolClient
import SpoolControlAPI

/// Where spoolctl finds spoold: its bus for control, its socket for data.
struct ConnectionOptions: ParsableArguments {
    /// The socket spoold listens on when nothing else is said.
    static let defaultSocket = "/run/spool/spool.sock"
    /// How long spoolctl waits for each reply on spoold's socket: as long as
    /// for a D-Bus call's (and busctl's) by default.
    static let replyTimeout = Duration.seconds(25)

    @Option(help: ArgumentHelp("The D-Bus address of spoold's bus (default: the system bus).", valueName: "address"))
    var address: String?

    @Option(help: ArgumentHelp(
        "spoold's socket: a path, unix:PATH or tcp:HOST:PORT (default: $SPOOL_SOCKET, else \(Self.defaultSocket)).",
        valueName: "socket"))
    var socket: String?

    /// A connection to spoold's control plane.
    func control() throws -> ControlClient {
        do {
            return ControlClient(manager: Manager(try Connection(address.map(Connection.Bus.address) ?? .system)))
        } catch let error as DBusError {
            let bus = address ?? "the system bus"
            throw CommandFailure("cannot connect to \(bus): \(error.message)", status: .unavailable)
        }
    }

    /// A protocol connection to spoold's socket (opened by the first command).
    func data() throws -> DataClient {
        let text = socket ?? ProcessInfo.processInfo.environment["SPOOL_SOCKET"] ?? Self.defaultSocket
        do {
            let endpoint = try Endpoint(parsing: text)
            let configuration = ClientConfiguration(reconnect: .never, replyTimeout: Self.replyTimeout)
            return DataClient(endpoint: endpoint, client: SpoolClient(endpoint, configuration: configuration))
        } catch let error as SpoolClientError {
            throw CommandFailure("bad --socket \(text): \(error)", status: .usage)
        }
    }
}
