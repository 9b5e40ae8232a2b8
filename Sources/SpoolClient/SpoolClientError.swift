/// What can go wrong with a command sent by a ``SpoolClient``.
///
/// The first group are the protocol's error replies, one case each; commands
/// whose "not found" is an ordinary answer (``SpoolClient/peek(_:)``,
/// ``SpoolClient/reserve(id:)``) return nil instead. The rest are about the
/// connection and the caller's arguments.
public enum SpoolClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `OUT_OF_MEMORY`: the server cannot take the job now (spoold: its disk
    /// is nearly full or its store is failing). Try again later.
    case outOfMemory
    /// `INTERNAL_ERROR`: the server failed (spoold: its store cannot commit).
    case internalError
    /// `BAD_FORMAT`: the server could not parse the command. The client
    /// validates what it sends, so this means a server that disagrees with it.
    case badFormat
    /// `UNKNOWN_COMMAND`: the server does not know the command (an older
    /// beanstalkd and `reserve-job`, for example).
    case unknownCommand
    /// `EXPECTED_CRLF`: the job body was not followed by CR LF.
    case expectedCRLF
    /// `JOB_TOO_BIG`: the body is longer than the server's maximum job size.
    case jobTooBig
    /// `DRAINING`: the server is in drain mode and takes no new jobs.
    case draining
    /// `NOT_FOUND`: the job or tube does not exist, or the job is not
    /// reserved by this connection.
    case notFound
    /// `DEADLINE_SOON`: a job this connection reserved is about to run out of
    /// time to run; delete, release or touch it.
    case deadlineSoon
    /// `NOT_IGNORED`: the tube is the last one the connection watches.
    case notIgnored
    /// `BURIED`: the server buried the job instead of queuing it (a put or
    /// release when it ran out of memory). The job exists, with this id.
    case buried(id: UInt64)
    /// The client could not connect: the message names the endpoint and the
    /// reason, e.g. "cannot connect to unix:/x: No such file or directory".
    case connectionFailed(String)
    /// The system refused this user the connection (EACCES or EPERM: a Unix
    /// socket in group `spool` and the caller not in it, say); never retried.
    case accessDenied(String)
    /// The connection ended while the command was in flight. The command may
    /// or may not have been applied; it is never sent again by itself.
    case connectionClosed
    /// No reply came within ``ClientConfiguration/replyTimeout`` (this long,
    /// a reserve's wait included) and the connection was closed. The
    /// command may or may not have been applied; it is never sent again by
    /// itself.
    case timedOut(Duration)
    /// The server sent a reply the command does not expect, or bytes that are
    /// not a reply at all; the text says which.
    case unexpectedReply(String)
    /// An argument the protocol cannot carry, found before anything was sent:
    /// an invalid tube name, a negative or too long duration, a body too big
    /// for any server, a malformed endpoint.
    case invalidArgument(String)

    /// A one-line explanation, fit for a command-line tool's error message.
    public var description: String {
        switch self {
        case .outOfMemory: return "the server is out of memory (OUT_OF_MEMORY); try again later"
        case .internalError: return "the server failed (INTERNAL_ERROR)"
        case .badFormat: return "the server could not parse the command (BAD_FORMAT)"
        case .unknownCommand: return "the server does not know the command (UNKNOWN_COMMAND)"
        case .expectedCRLF: return "the job body was not followed by CR LF (EXPECTED_CRLF)"
        case .jobTooBig: return "the job is bigger than the server's maximum job size (JOB_TOO_BIG)"
        case .draining: return "the server is draining and takes no new jobs (DRAINING)"
        case .notFound: return "not found (NOT_FOUND)"
        case .deadlineSoon: return "a reserved job's time to run is about to end (DEADLINE_SOON)"
        case .notIgnored: return "cannot ignore the only watched tube (NOT_IGNORED)"
        case .buried(let id): return "the server buried job \(id) (BURIED)"
        case .connectionFailed(let message): return message
        case .accessDenied(let message): return message
        case .connectionClosed: return "the connection to the server closed while the command was in flight"
        case .timedOut(let limit): return "no reply from the server within \(limit); the connection was closed"
        case .unexpectedReply(let reply): return "unexpected reply from the server: \(reply)"
        case .invalidArgument(let message): return message
        }
    }
}
