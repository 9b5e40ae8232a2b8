import ArgumentParser
import DBus
import Foundation
import SpoolControlAPI

/// `spoolctl watch`: a live view, redrawn when spoold's signals say
/// something changed, never by polling.
struct WatchCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show the daemon and its tubes live, as spoold's D-Bus signals announce changes.",
        discussion: """
            On a terminal the screen is redrawn at each change. Otherwise each change is one line; \
            with --json, one JSON object per line: a "snapshot" first, then "manager", "queue", \
            "added", "removed", "buried", "started" and "stopped" events. Runs until interrupted.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let control = try connection.control()
        // Subscribed before the first read, so that no change falls in between.
        let signals = try await control.connection.subscribe(matchRule: WatchModel.matchRules[0], matches: WatchModel.follows)
        for rule in WatchModel.matchRules.dropFirst() {
            try await control.connection.addMatch(rule)
        }
        var model = try await snapshot(control)
        for await message in signals {
            guard let change = model.apply(message) else { continue }
            if case .started = change {
                model = try await snapshot(control)
                continue
            }
            show(change, model)
        }
        throw CommandFailure("the connection to the bus ended", status: .unavailable)
    }

    /// Reads everything afresh and shows it.
    private func snapshot(_ control: ControlClient) async throws -> WatchModel {
        let owner = try await control.connection.nameOwner(ControlNames.busName)
        let model = WatchModel(status: try await control.status(), queues: try await control.queues(), owner: owner)
        if output.json {
            JSONOutput.print(["event": "snapshot", "status": JSONOutput.object(model.status), "tubes": model.sortedQueues.map(\.json)], compact: true)
        } else if Terminal.outputIsTerminal {
            redraw(model)
        } else {
            print(StatusCommand.summary(model.status))
            print(QueueSnapshot.table(model.sortedQueues).render())
            Terminal.flush()
        }
        return model
    }

    private func show(_ change: WatchModel.Change, _ model: WatchModel) {
        if output.json {
            JSONOutput.print(Self.json(change), compact: true)
        } else if Terminal.outputIsTerminal {
            redraw(model)
        } else {
            print("\(WatchModel.clock(Date())) \(change.line)")
            Terminal.flush()
        }
    }

    private func redraw(_ model: WatchModel) {
        // Home, clear the screen, draw.
        print("\u{1B}[H\u{1B}[2J" + model.screen(at: Date()))
        Terminal.flush()
    }

    /// A change as a JSON object.
    static func json(_ change: WatchModel.Change) -> [String: Any] {
        switch change {
        case .manager(let properties): ["event": "manager", "changed": JSONOutput.object(properties)]
        case .queue(let tube, let properties): ["event": "queue", "tube": tube, "changed": JSONOutput.object(properties)]
        case .added(let tube, let properties): ["event": "added", "tube": tube, "properties": JSONOutput.object(properties)]
        case .removed(let tube): ["event": "removed", "tube": tube]
        case .buried(let tube, let id, let reason): ["event": "buried", "tube": tube, "id": id, "reason": reason]
        case .started: ["event": "started"]
        case .stopped: ["event": "stopped"]
        }
    }
}
