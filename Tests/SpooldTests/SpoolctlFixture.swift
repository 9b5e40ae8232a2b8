import Foundation
import SpoolTestSupport
import XCTest

/// A real spoold on a private system-type bus with the project's policy, and
/// the real spoolctl binary pointed at both (`--address`, `--socket`).
final class SpoolctlFixture {
    /// What one run of spoolctl did.
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String

        /// stdout parsed as a JSON object (empty when it is not one).
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:] }
        /// stdout parsed as a JSON array (empty when it is not one).
        var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [[String: Any]] ?? [] }
    }

    /// A command left running (such as `watch`), its output read as it comes.
    final class Running {
        let process: Process
        private let output: OutputCollector

        fileprivate init(_ process: Process, _ output: OutputCollector) {
            self.process = process
            self.output = output
        }

        /// What it printed so far.
        var soFar: String { output.soFar }

        /// Kills it (and, through the terminal's hang-up, what runs in it).
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The spoolctl binary built with the tests.
    static var binary: String { TestEnvironment.productsDirectory.appendingPathComponent("spoolctl").path }

    let bus: SystemBus
    let server: ServerProcess
    /// The socket argument that reaches `server`.
    var socket: String { "tcp:127.0.0.1:\(server.port)" }
    /// The options that point spoolctl at this spoold.
    var connection: [String] { ["--address", bus.address, "--socket", socket] }

    /// Starts spoold on a new bus, its queue directory `queues` (else an empty one).
    init(queues: URL? = nil) throws {
        bus = try SystemBus()
        let directory = try queues ?? TestScratch.temporaryDirectory()
        server = try ServerProcess.spoold(["--bus", bus.address, "--queues-directory", directory.path, "--worker-stop-timeout", "0"])
        let owned = Deadline.poll(for: 10) {
            (try? runCommand("/usr/bin/busctl", ["--address=\(bus.address)", "status", "org.spool.Spool1"], timeout: 10).status) == 0
        }
        guard owned else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "spoold never owned its bus name"]) }
    }

    deinit {
        server.stop()
    }

    /// Runs `spoolctl COMMAND --address BUS --socket SOCKET ARGUMENTS...`
    /// with `input` on its standard input, as root or as `user`.
    func run(_ arguments: [String], input: String = "", as user: String? = nil) throws -> Run {
        try Self.run(Self.inserting(connection, into: arguments), input: input, as: user)
    }

    /// Runs spoolctl with exactly `arguments`, as root or as `user`.
    static func run(_ arguments: [String], input: String = "", as user: String? = nil, environment: [String: String] = [:]) throws -> Run {
        var command = [binary] + arguments
        if let user {
            let entry = try XCTUnwrap(getpwnam(user))
            command = ["/usr/bin/setpriv", "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--init-groups"] + command
        }
        let (process, stdout, stderr) = try launch(command, input: input, environment: environment, separateErrors: true)
        return finish(process, stdout, stderr, arguments.joined(separator: " "))
    }

    /// Runs spoolctl in a pseudo-terminal (util-linux's `script`) with
    /// `input` typed at it; what the terminal showed is the run's stdout.
    func runInTerminal(_ arguments: [String], input: String = "") throws -> Run {
        let (process, output, _) = try Self.launch(terminal(arguments), input: input, environment: ["TERM": "xterm"], separateErrors: false)
        return Self.finish(process, output, nil, arguments.joined(separator: " ") + " in a terminal")
    }

    /// Waits up to 30 s for `process` to end, else kills it and fails the
    /// test; returns its status (-1 when killed) and what it printed.
    private static func finish(_ process: Process, _ stdout: OutputCollector, _ stderr: OutputCollector?, _ description: String) -> Run {
        let ended = Deadline.poll(for: 30, until: { !process.isRunning })
        if !ended {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("spoolctl \(description) ran for more than 30 s")
        }
        process.waitUntilExit()
        return Run(status: ended ? process.terminationStatus : -1, stdout: stdout.text, stderr: stderr?.text ?? "")
    }

    /// Starts spoolctl and leaves it running, in a pseudo-terminal or with
    /// its output in a pipe.
    func start(_ arguments: [String], inTerminal: Bool) throws -> Running {
        let command = inTerminal ? terminal(arguments) : [Self.binary] + Self.inserting(connection, into: arguments)
        let (process, output, _) = try Self.launch(command, input: nil, environment: ["TERM": "xterm"], separateErrors: false)
        return Running(process, output)
    }

    /// `script` running spoolctl with `arguments` in a new terminal.
    private func terminal(_ arguments: [String]) -> [String] {
        let command = ([Self.binary] + Self.inserting(connection, into: arguments)).map(Self.quoted).joined(separator: " ")
        return ["/usr/bin/script", "--quiet", "--return", "--flush", "--command", command, "/dev/null"]
    }

    /// `options` right after the subcommand's name, where they belong.
    private static func inserting(_ options: [String], into arguments: [String]) -> [String] {
        Array(arguments.prefix(1)) + options + arguments.dropFirst()
    }

    private static func launch(
        _ command: [String], input: String?, environment: [String: String], separateErrors: Bool
    ) throws -> (Process, OutputCollector, OutputCollector?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var inherited = ProcessInfo.processInfo.environment
        inherited["SPOOL_SOCKET"] = nil
        inherited["NO_COLOR"] = nil
        process.environment = inherited.merging(environment) { $1 }
        let (stdin, stdout) = (Pipe(), Pipe())
        process.standardInput = stdin
        process.standardOutput = stdout
        let stderr = separateErrors ? Pipe() : stdout
        process.standardError = stderr
        let collectors = (OutputCollector(stdout), separateErrors ? OutputCollector(stderr) : nil)
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        return (process, collectors.0, collectors.1)
    }

    /// The single-quoted form of `text` for /bin/sh.
    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
