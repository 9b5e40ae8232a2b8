/// An error the parser answers on its own, before any command reaches the queue.
public enum ProtocolError: Sendable, Equatable, Error {
    /// The line is not a well-formed command (`BAD_FORMAT`).
    case badFormat
    /// The line names no known command (`UNKNOWN_COMMAND`).
    case unknownCommand
    /// A `put` body was not followed by CR LF (`EXPECTED_CRLF`); the body was consumed.
    case expectedCRLF
    /// A `put` announced a body over the maximum job size (`JOB_TOO_BIG`); the body was skipped.
    case jobTooBig
}

/// One unit of parser output: a command to execute, or an error to answer.
public enum ParsedFrame: Sendable, Equatable {
    /// A complete, well-formed command.
    case command(Command)
    /// A protocol error to reply with; the connection stays usable.
    case error(ProtocolError)
}
