/// Where the next commit runs: on the engine's loop, or on the writer thread.
///
/// A commit handed to the writer thread costs two wake-ups across threads
/// (the writer's, then the loop's when it is done), which on a machine of a
/// few CPUs take as long as the fdatasync itself. That buys the loop the
/// time of the fsync to serve other clients, which is worth it only when
/// there are others: while commits carry a record or two (one producer and
/// one consumer, each waiting for its reply, their put and delete paired
/// in one commit by ``CommitPairing``), nothing else would run meanwhile,
/// and committing on the loop saves both wake-ups. Once commits
/// carry more (clients who keep arriving during a commit), or a commit was
/// slow (a busy disk, which must not stall the loop), the writer thread
/// commits again.
struct CommitPlacement: Sendable, Equatable {
    /// Commits carrying fewer records than this on average go on the loop:
    /// three, so that paired commits of two records stay there when a third
    /// record joins one now and then. (With one producer and one consumer,
    /// four and sixteen of each, 3 measured as 2 did before the pairing;
    /// four had cost 4+4 a quarter of its jobs/s.)
    static let loopRecordsLimit = 3.0
    /// A commit slower than this sends the next ones to the writer thread.
    let loopSecondsLimit: Double
    /// The weight of the latest commit in the average.
    static let weight = 0.25

    /// Records per commit, a moving average of the latest commits.
    private(set) var averageRecords = 1.0
    /// How long the latest commit took.
    private(set) var latestSeconds = 0.0

    /// A new store's placement: on the loop until commits say otherwise.
    /// - Parameter loopSecondsLimit: a commit slower than this (2 ms by
    ///   default: twenty fsyncs of a quick disk) sends the next ones to the
    ///   writer thread.
    init(loopSecondsLimit: Double = 0.002) {
        self.loopSecondsLimit = loopSecondsLimit
    }

    /// Whether the next commit runs on the loop.
    var onLoop: Bool {
        averageRecords < Self.loopRecordsLimit && latestSeconds < loopSecondsLimit
    }

    /// Counts a commit of `records` records that took `seconds`.
    mutating func record(records: Int, seconds: Double) {
        averageRecords += (Double(records) - averageRecords) * Self.weight
        latestSeconds = seconds
    }
}
