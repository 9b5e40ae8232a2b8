import SpoolProtocol
import SpoolCore

/// What became of one protocol command executed by ``LoopEngine/execute(_:session:)``.
public struct Execution {
    /// What the connection does next.
    public enum Outcome {
        /// Send this reply (once ``durableAfter`` is durable).
        case reply(Reply)
        /// The session waits in a reserve; its delegate gets the outcome.
        case wait
        /// Close the connection (`quit`), after the replies already owed.
        case close
    }

    /// What the connection does next.
    public var outcome: Outcome
    /// The point after which the command's changes are durable: its reply
    /// may leave once ``LoopEngine/isDurable(_:)`` says so; 0 for a command
    /// that changed nothing durable.
    public var durableAfter: CommitSequence

    /// An execution with `outcome`, durable after `durableAfter`.
    public init(outcome: Outcome, durableAfter: CommitSequence) {
        self.outcome = outcome
        self.durableAfter = durableAfter
    }
}
