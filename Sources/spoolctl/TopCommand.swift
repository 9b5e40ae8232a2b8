import ArgumentParser
import Foundation
import SpoolClient

/// `spoolctl top`: every tube's counts and its put and delete rates,
/// refreshed every interval, read on spoold's socket (so it works against
/// beanstalkd too).
struct TopCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Show every tube's counts and its put and delete rates, refreshed every interval.",
        discussion: """
            Reads list-tubes and stats-tube on the socket every --interval seconds and shows each tube's \
            jobs by state with the jobs put and deleted per second since the previous reading. On a terminal \
            the screen is redrawn; otherwise each reading is a table (with --json, one JSON object per line). \
            Runs until interrupted, or for --count readings.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Seconds between readings.", valueName: "seconds"))
    var interval: Double = 2
    @Option(help: ArgumentHelp("Stop after this many readings (default: run until interrupted).", valueName: "n"))
    var count: Int?

    func validate() throws {
        guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func execute() async throws {
        let data = try connection.data()
        try await data.run { client in
            var previous = try await TopSample.read(client)
            var shown = 0
            while count.map({ shown < $0 }) ?? true {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                let sample = try await TopSample.read(client)
                show(sample.rates(since: previous), at: sample.time)
                previous = sample
                shown += 1
            }
        }
    }

    private func show(_ rates: [TopSample.Rates], at time: Date) {
        if output.json {
            JSONOutput.print(["time": time.timeIntervalSince1970, "tubes": rates.map(Self.json)], compact: true)
        } else {
            let table = Self.table(rates).render()
            print(Terminal.outputIsTerminal ? "\u{1B}[H\u{1B}[2J" + table : table + "\n")
        }
        Terminal.flush()
    }

    static func table(_ rates: [TopSample.Rates]) -> Table {
        var table = Table(["tube", "ready", "reserved", "delayed", "buried", "waiting", "put/s", "deleted/s"], numeric: Set(1...7))
        for line in rates {
            let tube = line.tube
            table.append([
                Table.Cell(tube.name + (tube.paused ? " (paused)" : ""), style: tube.paused ? .bold : nil),
                Table.Cell("\(tube.ready)"), Table.Cell("\(tube.reserved)"), Table.Cell("\(tube.delayed)"),
                Table.Cell("\(tube.buried)", style: tube.buried > 0 ? .red : nil), Table.Cell("\(tube.waiting)"),
                Table.Cell(String(format: "%.1f", line.putsPerSecond)), Table.Cell(String(format: "%.1f", line.deletesPerSecond)),
            ])
        }
        return table
    }

    static func json(_ line: TopSample.Rates) -> [String: Any] {
        [
            "tube": line.tube.name, "ready": line.tube.ready, "reserved": line.tube.reserved, "delayed": line.tube.delayed,
            "buried": line.tube.buried, "waiting": line.tube.waiting, "paused": line.tube.paused,
            "puts_per_second": line.putsPerSecond, "deletes_per_second": line.deletesPerSecond,
        ]
    }
}
