import ArgumentParser

/// `spoolctl resume TUBE`: ends a pause at once.
struct ResumeCommand: SpoolCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "End a tube's pause now.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The tube.")
    var tube: String

    func execute() async throws {
        try await connection.control().callQueue(tube) { try await $0.resume() }
    }
}
