import ArgumentParser
import Foundation

/// `spoolctl`, the command an admin reaches for first: control over D-Bus,
/// data over the socket.
@main
struct Spoolctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spoolctl",
        abstract: "Control and inspect the Spool job queue.",
        discussion: """
            Control commands (status, list, start, stop, kick, pause, resume, \
            purge, reload, watch) talk to spoold over D-Bus, on the system bus \
            unless --address names another. Data commands (put, peek, stats) \
            speak the beanstalkd protocol on spoold's socket: --socket, else \
            $SPOOL_SOCKET, else /run/spool/spool.sock. Read commands take \
            --json for scripts.

            Exit status: 0 success; 1 the operation failed; 4 no such tube or \
            job; 64 bad arguments; 69 spoold is not running and cannot be \
            started; 77 permission denied.
            """,
        version: "0.1.0",
        subcommands: [
            StatusCommand.self, ListCommand.self, StartCommand.self, StopCommand.self,
            StatsCommand.self, PutCommand.self, PeekCommand.self, KickCommand.self,
            PauseCommand.self, ResumeCommand.self, PurgeCommand.self, ReloadCommand.self,
            WatchCommand.self, TopCommand.self, SandboxCommand.self,
        ]
    )

    /// Runs the command; every failure, a mistyped argument included, ends
    /// with one line on stderr and a documented exit status.
    static func main() async {
        do {
            var command = try parseAsRoot(commandFirst(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                // --help, --version and the completion scripts.
                print(fullMessage(for: error))
            } else if let line = message(for: error).split(separator: "\n").first {
                let help = (CommandLine.arguments.dropFirst().first { commandNames.contains($0) }).map { "spoolctl \($0) --help" } ?? "spoolctl --help"
                Terminal.printError("spoolctl: \(line.replacing("Error: ", with: "", maxReplacements: 1)) (see '\(help)')")
            }
            Foundation.exit(status.rawValue)
        }
    }

    /// The subcommands' names.
    private static var commandNames: Set<String> {
        Set(configuration.subcommands.compactMap { $0.configuration.commandName })
    }

    /// `--json status` as `status --json`: the options may come before the
    /// command's name too, as with systemctl.
    static func commandFirst(_ arguments: [String]) -> [String] {
        guard arguments.first?.hasPrefix("-") == true, let index = arguments.firstIndex(where: commandNames.contains) else {
            return arguments
        }
        return [arguments[index]] + arguments[..<index] + arguments[(index + 1)...]
    }
}
