import ArgumentParser
import Foundation
import SpoolClient

/// `spoolctl peek TUBE [--ready | --delayed | --buried]`: the next job of a
/// kind, without reserving it.
struct PeekCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "peek",
        abstract: "Show the next ready, delayed or buried job of a tube.",
        discussion: "Prints a line describing the job, then its body as it is. Exits with 4 when there is no such job.")

    /// Which job to peek at.
    enum Kind: String, EnumerableFlag {
        case ready, delayed, buried

        static func help(for value: Kind) -> ArgumentHelp? {
            switch value {
            case .ready: "The ready job that would be reserved next (the default)."
            case .delayed: "The delayed job that becomes ready first."
            case .buried: "The oldest buried job."
            }
        }
    }

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The tube to look into.")
    var tube: String
    @Flag var kind: Kind = .ready

    func execute() async throws {
        let data = try connection.data()
        let (job, statistics) = try await data.run { client -> (Job?, Statistics?) in
            try await client.use(tube)
            let job: Job? = switch kind {
            case .ready: try await client.peekReady()
            case .delayed: try await client.peekDelayed()
            case .buried: try await client.peekBuried()
            }
            guard let job else { return (nil, nil) }
            // The job may go between the two commands; it is shown without its stats then.
            return (job, try? await client.statsJob(job.id))
        }
        guard let job else { throw CommandFailure("no \(kind.rawValue) job in tube '\(tube)'", status: .notFound) }
        if output.json {
            var object: [String: Any] = ["id": job.id, "tube": tube, "stats": statistics.map(StatsCommand.json) ?? [:]]
            if let text = job.text {
                object["body"] = text
            } else {
                object["body_base64"] = Data(job.body).base64EncodedString()
            }
            JSONOutput.print(object)
        } else {
            let state = statistics?["state"] ?? kind.rawValue
            let details = statistics.map { ", priority \($0["pri"] ?? "?"), age \($0["age"] ?? "?")s" } ?? ""
            print(Style.bold.apply("job \(job.id) in \(tube): \(state)\(details), \(job.body.count) bytes"))
            Terminal.write(job.body)
            if job.body.last != UInt8(ascii: "\n"), Terminal.outputIsTerminal { print() }
        }
    }
}
