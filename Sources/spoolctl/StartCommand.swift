import ArgumentParser

/// `spoolctl start [TUBE]`: processing as a whole, or one tube's worker pool.
struct StartCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start handing out jobs, or start one tube's worker pool.",
        discussion: "Without TUBE, reserve commands and every worker pool get jobs again (Manager.Start). With TUBE, that tube's pool does (Queue.Start).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The tube whose worker pool to start.")
    var tube: String?

    func execute() async throws {
        try await connection.control().call("Start", on: tube)
    }
}
