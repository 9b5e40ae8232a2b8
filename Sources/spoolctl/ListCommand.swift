import ArgumentParser

/// `spoolctl list`: the tubes with their counts.
struct ListCommand: SpoolCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tubes with their job counts.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let queues = try await connection.control().queues()
        if output.json {
            JSONOutput.print(queues.map(\.json))
        } else {
            print(QueueSnapshot.table(queues).render())
        }
    }
}
