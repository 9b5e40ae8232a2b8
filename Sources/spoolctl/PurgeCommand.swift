import ArgumentParser

/// `spoolctl purge TUBE --state STATE`: deletes every job of a tube in a state.
struct PurgeCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete every job of a tube in a state, for good.",
        discussion: "Asks for confirmation on a terminal; --yes skips the question, and is required when standard input is not a terminal.")

    /// The states a purge takes, as `Queue.Purge` names them.
    enum State: String, ExpressibleByArgument, CaseIterable {
        case ready, delayed, buried, all
    }

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The tube.")
    var tube: String
    @Option(help: "Which jobs to delete: ready, delayed, buried or all.")
    var state: State
    @Flag(name: [.short, .long], help: "Do not ask for confirmation.")
    var yes = false

    func execute() async throws {
        let control = try connection.control()
        if !yes {
            guard Terminal.inputIsTerminal else {
                throw CommandFailure("purge deletes jobs for good: give --yes when standard input is not a terminal", status: .usage)
            }
            let queue = try await control.queue(tube)
            let states = state == .all ? ["JobsReady", "JobsDelayed", "JobsBuried"] : ["Jobs" + state.rawValue.capitalized]
            let count = states.reduce(0) { $0 + queue.properties.counter($1) }
            let what = state == .all ? "ready, delayed and buried" : state.rawValue
            guard Terminal.confirm("Delete \(count) \(what) \(count == 1 ? "job" : "jobs") of '\(tube)' for good?") else {
                throw CommandFailure("nothing purged")
            }
        }
        let reply = try await control.callQueue(tube, "Purge", [.string(state.rawValue)])
        guard case .uint32(let purged)? = reply.first else { throw CommandFailure("spoold answered Purge with \(reply)") }
        if output.json {
            JSONOutput.print(["purged": purged])
        } else {
            print("purged \(purged) \(purged == 1 ? "job" : "jobs") of '\(tube)'")
        }
    }
}
