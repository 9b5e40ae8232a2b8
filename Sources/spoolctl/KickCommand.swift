import ArgumentParser

/// `spoolctl kick TUBE [N]`: buried (else delayed) jobs back to ready.
struct KickCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "kick",
        abstract: "Move up to N buried jobs of a tube (or, if none is buried, delayed ones) to ready.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The tube.")
    var tube: String
    @Argument(help: "The most jobs to kick.")
    var count: UInt32 = 1

    func execute() async throws {
        let kicked = try await connection.control().callQueue(tube) { try await $0.kick(count) }
        if output.json {
            JSONOutput.print(["kicked": kicked])
        } else {
            print("kicked \(kicked) \(kicked == 1 ? "job" : "jobs") in '\(tube)'")
        }
    }
}
