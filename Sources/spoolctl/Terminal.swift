import Foundation

/// Where spoolctl writes, and whether a person is looking.
enum Terminal {
    /// Whether standard output is a terminal.
    static var outputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether standard input is a terminal (someone can answer a question).
    static var inputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Whether to colour standard output: only on a terminal, and never
    /// with `NO_COLOR` set or `TERM=dumb`. Decided once: asked for every
    /// line printed, it copied the whole environment each time (a 20 MB
    /// `stats` document took minutes to print).
    static let usesColor: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return outputIsTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }()

    /// Writes `text` and a newline to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Sends what `print` buffered on to its files (all of them: the C
    /// streams themselves are shared mutable state to Swift).
    static func flush() {
        fflush(nil)
    }

    /// Writes raw bytes to standard output, after anything printed before.
    static func write(_ bytes: [UInt8]) {
        flush()
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// Asks a yes/no question on standard error; only "y" or "yes" is yes.
    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
