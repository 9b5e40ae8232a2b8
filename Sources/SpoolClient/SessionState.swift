import SpoolProtocol

/// The part of a connection's state the server keeps per connection and the
/// client puts back after a reconnect: the tube `put` uses and the watch list.
///
/// It follows the commands as they are written, not as they are answered:
/// `use`, `watch` and `ignore` always succeed on a server for a valid name,
/// except an `ignore` of the last watched tube, which it predicts. So it is
/// what the server holds once every written command has been processed.
struct SessionState: Sendable, Equatable {
    /// The tube `put` uses.
    private(set) var used = "default"
    /// The watched tubes, in the order they were first watched.
    private(set) var watched = ["default"]

    /// Records a `use`.
    mutating func use(_ tube: String) {
        used = tube
    }

    /// Records a `watch`.
    mutating func watch(_ tube: String) {
        if !watched.contains(tube) { watched.append(tube) }
    }

    /// Records an `ignore`; the last watched tube stays (the server answers `NOT_IGNORED`).
    mutating func ignore(_ tube: String) {
        guard watched.count > 1 else { return }
        watched.removeAll { $0 == tube }
    }

    /// The commands that take a new connection (using and watching `default`)
    /// to this state, in order: `use`, the `watch`es, then `ignore default`.
    var restoringCommands: [Command] {
        var commands: [Command] = []
        if used != "default" { commands.append(.use(tube: used)) }
        for tube in watched where tube != "default" { commands.append(.watch(tube: tube)) }
        if !watched.contains("default") { commands.append(.ignore(tube: "default")) }
        return commands
    }
}
