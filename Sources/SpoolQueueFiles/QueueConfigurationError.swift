/// A problem in a queue's configuration, named the way compilers name theirs:
/// the file, the line when there is one, and what is wrong, as in
/// `/etc/spool/queues.d/mail.conf:7: Workers=0: must be between 1 and 256`.
public struct QueueConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file at fault, or the directory when it cannot be listed.
    public let path: String
    /// The line at fault, counted from 1; `nil` when the problem is the whole
    /// file (unreadable, or missing a required key).
    public let line: Int?
    /// What is wrong, starting with the offending `Key=value` when there is one.
    public let problem: String

    /// A problem of the file at `path`, at `line` when known.
    public init(path: String, line: Int?, problem: String) {
        self.path = path
        self.line = line
        self.problem = problem
    }

    /// One line for the log and the terminal: `path:line: problem`, or `path: problem`.
    public var description: String {
        if let line { "\(path):\(line): \(problem)" } else { "\(path): \(problem)" }
    }
}
