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
        let reply = try await connection.control().callManager("Reload")
        guard case .array(_, let values)? = reply.first else { throw CommandFailure("spoold answered Reload with \(reply)") }
        let problems = values.compactMap { value -> String? in
            if case .string(let problem) = value { return problem }
            return nil
        }
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
