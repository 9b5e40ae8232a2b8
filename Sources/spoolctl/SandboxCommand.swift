import ArgumentParser
import SpoolQueueFiles
import SpoolSandbox

/// `spoolctl sandbox`: each queue's effective sandbox, as `systemd-analyze
/// security` shows a unit's, read from the queue files spoold reads.
struct SandboxCommand: SpoolCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Show each queue's sandbox and its exposure.",
        discussion: """
            Reads the queue files (as spoold does at start and on reload) and \
            shows, for each queue or the TUBEs named, every setting of its \
            handlers' sandbox, whether it protects, and an exposure from 0.0 \
            (locked down) to 10.0, rated SAFE, OK, MEDIUM, EXPOSED or UNSAFE as \
            systemd-analyze security rates units. Exits with 1 when a file has \
            problems, 4 when a TUBE has no queue file.
            """)

    @Option(name: .customLong("queues-directory"), help: "The queue directory spoold reads.")
    var queuesDirectory = "/etc/spool/queues.d"

    @Argument(help: "Tubes to show; all by default.")
    var tubes: [String] = []

    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let (queues, problems) = QueueDirectory.load(queuesDirectory)
        for problem in problems { Terminal.printError("spoolctl: \(problem)") }
        var reports = queues.map { SandboxReport($0, groups: .systemd) }.sorted { $0.tube < $1.tube }
        if !tubes.isEmpty {
            if let missing = tubes.first(where: { tube in !reports.contains { $0.tube == tube } }) {
                throw CommandFailure("no queue file in \(queuesDirectory) serves the tube \(missing)", status: .notFound)
            }
            reports.removeAll { !tubes.contains($0.tube) }
        }
        if output.json {
            JSONOutput.print(reports.map { report in
                [
                    "tube": report.tube, "file": report.file, "exposure": report.exposure, "level": report.level,
                    "settings": report.findings.map { finding in
                        ["key": finding.key, "value": finding.value, "protects": finding.protects as Any, "meaning": finding.meaning]
                    },
                ] as [String: Any]
            })
        } else {
            print(reports.map(Self.render).joined(separator: "\n\n"))
        }
        if !problems.isEmpty {
            throw CommandFailure("\(problems.count) queue \(problems.count == 1 ? "file has" : "files have") problems")
        }
    }

    private static func render(_ report: SandboxReport) -> String {
        var table = Table(["", "SETTING", "VALUE", "MEANING"])
        for finding in report.findings {
            let mark: Table.Cell = switch finding.protects {
            case true?: Table.Cell("✓", style: .green)
            case false?: Table.Cell("✗", style: .red)
            case nil: Table.Cell("-", style: .yellow)
            }
            table.append([mark, Table.Cell(finding.key), Table.Cell(finding.value), Table.Cell(finding.meaning)])
        }
        let level = String(format: "%.1f", report.exposure) + " " + report.level
        return "\(report.tube) (\(report.file))\n\(table.render())\n→ Overall exposure level for \(report.tube): \(level)"
    }
}
