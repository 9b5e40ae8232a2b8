import SpoolProtocol
import SpoolCore

/// What a protocol connection asks of an engine: the seam between the
/// protocol surface (SpoolServer) and the engines behind it — the local
/// engine (``LoopEngine``) and the PostgreSQL-backed cluster node. Both live
/// on the event loop that serves their connections; neither is `Sendable`.
public protocol ConnectionEngine: AnyObject {
    /// The largest job body accepted (`-z`).
    var maxJobSize: Int { get }

    /// Opens the engine's side of a new connection, which uses and watches
    /// `default`; `delegate` gets the replies of commands that waited.
    func connect(_ delegate: EngineConnectionDelegate) -> EngineConnection
}

/// One client connection as an engine serves it.
public protocol EngineConnection: AnyObject {
    /// Executes one protocol command.
    func execute(_ command: Command) -> Execution

    /// A put's command line arrived; `bodyFits` when its body is within `-z`.
    func startPut(bodyFits: Bool)

    /// The put begun by ``startPut(bodyFits:)`` ended without a job.
    func abandonPut()

    /// A `pause-tube` answered `BAD_FORMAT` still counts, as in beanstalkd.
    func countMalformedPauseTube()

    /// Ends a waiting command (the connection half-closed); its reply, or nil
    /// when none waits.
    func cancelWait() -> Reply?

    /// The connection closed: its reservations go back, its wait ends.
    func close()

    /// Whether everything up to `point` is durable.
    func isDurable(_ point: CommitSequence) -> Bool

    /// Calls `action` once `point` is durable, with the points the store
    /// rejected in that commit (their replies become errors).
    func whenDurable(_ point: CommitSequence, _ action: @escaping (_ rejected: RejectedSequences) -> Void)
}

/// Told the outcome of a command that waited (``Execution/Outcome/wait``).
public protocol EngineConnectionDelegate: AnyObject {
    /// The waiting command's reply; it leaves once `durableAfter` is durable.
    func connectionDidFinishWaiting(with reply: Reply, durableAfter: CommitSequence)
}
