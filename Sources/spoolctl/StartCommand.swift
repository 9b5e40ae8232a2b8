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
        let control = try connection.control()
        if let tube {
            try await control.callQueue(tube) { try await $0.start() }
        } else {
            try await control.callManager { try await $0.start() }
        }
    }
}
