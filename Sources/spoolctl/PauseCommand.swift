import ArgumentParser

/// `spoolctl pause TUBE SECONDS`: no job of the tube is handed out for a while.
struct PauseCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Hand out no job of a tube for SECONDS (0 resumes it).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The tube.")
    var tube: String
    @Argument(help: "How long to pause it.")
    var seconds: UInt32

    func execute() async throws {
        try await connection.control().callQueue(tube) { try await $0.pause(seconds: seconds) }
    }
}
