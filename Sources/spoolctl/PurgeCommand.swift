import ArgumentParser
import SpoolControlAPI

/// `spoolctl purge TUBE --state STATE`: deletes every job of a tube in a state.
struct PurgeCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete every job of a tube in a state, for good.",
        discussion: "Asks for confirmation on a terminal; --yes skips the question, and is required when standard input is not a terminal.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The tube.")
    var tube: String
    @Option(help: "Which jobs to delete: ready, delayed, buried or all.")
    var state: QueueAPI.PurgeState
    @Flag(name: [.short, .long], help: "Do not ask for confirmation.")
    var yes = false

    func execute() async throws {
        let control = try connection.control()
        if !yes {
            guard Terminal.inputIsTerminal else {
                throw CommandFailure("purge deletes jobs for good: give --yes when standard input is not a terminal", status: .usage)
            }
            let properties = try await control.callQueue(tube) { try await $0.allProperties() }
            let count = state.counters.map { properties.counter($0) }.saturatingSum
            let what = state == .all ? "ready, delayed and buried" : state.rawValue
            guard Terminal.confirm("Delete \(count) \(what) \(count == 1 ? "job" : "jobs") of '\(tube)' for good?") else {
                throw CommandFailure("nothing purged")
            }
        }
        let purged = try await control.callQueue(tube) { try await $0.purge(state) }
        if output.json {
            JSONOutput.print(["purged": purged])
        } else {
            print("purged \(purged) \(purged == 1 ? "job" : "jobs") of '\(tube)'")
        }
    }
}
