import ArgumentParser
import SpoolClient

/// `spoolctl stats [TUBE | --job ID]`: beanstalkd's statistics, read on the socket.
struct StatsCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the server's, a tube's or a job's statistics.",
        discussion: "The protocol's stats, stats-tube and stats-job documents, read on spoold's socket.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The tube whose statistics to show.")
    var tube: String?
    @Option(help: ArgumentHelp("The job whose statistics to show.", valueName: "id"))
    var job: UInt64?

    func validate() throws {
        if tube != nil, job != nil { throw ValidationError("give a TUBE or --job, not both") }
    }

    func execute() async throws {
        let data = try connection.data()
        let statistics: Statistics
        if let job {
            statistics = try await data.run(notFound: "no job \(job)") { try await $0.statsJob(job) }
        } else if let tube {
            statistics = try await data.run(notFound: "no tube named '\(tube)'") { try await $0.statsTube(tube) }
        } else {
            statistics = try await data.run { try await $0.stats() }
        }
        Self.show(statistics, json: output.json)
    }

    /// Prints a stats document: aligned `key: value` lines, or a JSON object.
    static func show(_ statistics: Statistics, json: Bool) {
        if json {
            JSONOutput.print(Self.json(statistics))
            return
        }
        let width = statistics.entries.map(\.key.count).max() ?? 0
        for entry in statistics.entries {
            print(Style.bold.apply(entry.key.printable + ":") + String(repeating: " ", count: width - entry.key.count + 1) + entry.value.printable)
        }
    }

    /// A stats document as a JSON object, its numbers as numbers.
    static func json(_ statistics: Statistics) -> [String: Any] {
        Dictionary(statistics.entries.map { ($0.key, JSONOutput.scalar($0.value)) }, uniquingKeysWith: { $1 })
    }
}
