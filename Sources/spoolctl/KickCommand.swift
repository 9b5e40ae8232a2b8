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
        let reply = try await connection.control().callQueue(tube, "Kick", [.uint32(count)])
        guard case .uint32(let kicked)? = reply.first else { throw CommandFailure("spoold answered Kick with \(reply)") }
        if output.json {
            JSONOutput.print(["kicked": kicked])
        } else {
            print("kicked \(kicked) \(kicked == 1 ? "job" : "jobs") in '\(tube)'")
        }
    }
}
