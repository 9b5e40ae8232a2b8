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
    /// A `put` command line was read and its body follows: read as the job's
    /// body when `bodyFits`, skipped (then `JOB_TOO_BIG`) when it is over the
    /// maximum size. No reply of its own. beanstalkd counts the put here, and
    /// for a body that fits makes the job, taking its id, and marks the
    /// connection a producer, before the body arrives.
    case putStarted(bodyFits: Bool)
    /// A `pause-tube` with a name and a delay, but a name that is no valid
    /// tube name (it begins with `-` or is too long): answered `BAD_FORMAT`,
    /// and counted as a `pause-tube`, as beanstalkd counts it before it
    /// checks the name.
    case badPauseTube
}
