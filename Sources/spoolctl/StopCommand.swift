import ArgumentParser

/// `spoolctl stop [TUBE]`: processing as a whole, or one tube's worker pool.
struct StopCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop handing out jobs, or stop one tube's worker pool.",
        discussion: """
            Without TUBE, reserve commands wait and every worker pool holds (Manager.Stop); jobs are still \
            accepted. With TUBE, that tube's pool takes no new job (Queue.Stop); running handlers finish.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The tube whose worker pool to stop.")
    var tube: String?

    func execute() async throws {
        let control = try connection.control()
        if let tube {
            try await control.callQueue(tube) { try await $0.stop() }
        } else {
            try await control.callManager { try await $0.stop() }
        }
    }
}
