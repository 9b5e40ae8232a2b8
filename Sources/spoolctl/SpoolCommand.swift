import ArgumentParser
import DBus
import Foundation

/// A spoolctl subcommand: its work is in ``execute()``, and a failure ends
/// it with one line on stderr and a documented exit status, never a trace.
protocol SpoolCommand: AsyncParsableCommand {
    /// Does the command's work.
    func execute() async throws
}

extension SpoolCommand {
    func run() async throws {
        do {
            try await execute()
        } catch let failure as CommandFailure {
            throw Self.exit(failure)
        } catch let error as DBusError {
            throw Self.exit(CommandFailure(error))
        }
    }

    private static func exit(_ failure: CommandFailure) -> ExitCode {
        Terminal.printError("spoolctl: \(failure.message)")
        return ExitCode(failure.status.rawValue)
    }
}
