import ArgumentParser
import Foundation

/// `spoolctl put TUBE [FILE | -]`: one job, its body from a file or stdin.
struct PutCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Put a job into a tube; print its id.",
        discussion: "The body is FILE, or standard input when FILE is - or absent.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The tube to put the job into.")
    var tube: String
    @Argument(help: "The file holding the job's body (- for standard input).")
    var file: String?
    @Option(help: "The job's priority: 0 is the most urgent, below 1024 urgent.")
    var priority: UInt32 = 1024
    @Option(help: ArgumentHelp("Seconds before the job becomes ready.", valueName: "seconds"))
    var delay: UInt32 = 0
    @Option(help: ArgumentHelp("Seconds a worker may hold the job (time to run).", valueName: "seconds"))
    var ttr: UInt32 = 60

    func execute() async throws {
        let body = try readBody()
        let data = try connection.data()
        let id = try await data.run { client in
            try await client.use(tube)
            return try await client.put(body, priority: priority, delay: .seconds(delay), ttr: .seconds(ttr))
        }
        if output.json {
            JSONOutput.print(["id": id, "tube": tube])
        } else {
            print(id)
        }
    }

    private func readBody() throws -> [UInt8] {
        guard let file, file != "-" else {
            if Terminal.inputIsTerminal {
                throw CommandFailure("give the job's body as FILE, or on standard input", status: .usage)
            }
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw CommandFailure("cannot read \(file)", status: .usage)
        }
        return [UInt8](contents)
    }
}
