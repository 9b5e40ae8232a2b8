import ArgumentParser

/// `spoolctl reload`: spoold reads its queue files again.
struct ReloadCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the queue files; print the problems found.",
        discussion: "Exits with 1 when a file has problems: that queue keeps its previous configuration.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let problems = try await connection.control().callManager { try await $0.reload() }
        if output.json {
            JSONOutput.print(["problems": problems])
        } else {
            for problem in problems { print(problem) }
        }
        if !problems.isEmpty {
            throw CommandFailure("reloaded; \(problems.count) \(problems.count == 1 ? "problem" : "problems") found")
        }
    }
}
