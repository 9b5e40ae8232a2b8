import NIOCore

/// Whether a commit of new jobs alone waits for the consumers' next change,
/// so that the two share one fsync.
///
/// With one producer and one consumer, each waiting for its reply, a
/// worker's `delete` and the next `put` arrive a client's wake-up apart. The
/// put, arriving first, started a commit of its own, and the delete, arriving
/// during its fsync, waited for it to end before its own could start: about
/// 1.5 fsyncs per job, and the consumer, whose chain of round trips bounds the
/// throughput, paid for the producer's. So a commit that would carry only
/// puts waits while consumers are at work (the latest commit carried a
/// consumer's change: a delete, release, bury or kick) and nobody waits for
/// those jobs (a reserve handed one out: the engine asks for them at once,
/// ``JobStore/expedite()``). The consumer's next change ends the wait, and
/// the put's reply leaves with the delete's, one fsync for both. The wait is
/// bounded by the time of the latest commit (at least ``shortestWait``, at
/// most ``longestWait``), so when no change comes a put's latency at most
/// doubles (or grows by the shortest wait, 50 µs, where commits take less);
/// a producer alone (no consumer's change in the latest commit) never
/// waits.
///
/// Measured with `bench/run --durable-peers` (one producer and one
/// consumer, 64 B jobs): 1.6 → 1.0 fsyncs per job and 1.21 × the jobs/s;
/// 4+4 and 16+16 unchanged.
///
/// Only commits made on the loop wait (``CommitPlacement/onLoop``): when
/// commits carry many records, clients arrive during every commit and share
/// the next one anyway.
struct CommitPairing: Sendable, Equatable {
    /// The shortest wait for a consumer's change.
    let shortestWait: TimeAmount
    /// The longest wait for a consumer's change.
    let longestWait: TimeAmount

    /// Every record staged since the latest commit started is a new job.
    private(set) var onlyPutsStaged = true
    /// The commit in flight (or the latest) carries a consumer's change.
    private var committingConsumerChange = false
    /// The latest finished commit carried a consumer's change.
    private(set) var consumersAtWork = false
    /// Someone other than the producers waits for what is staged.
    private var expedited = false

    /// Pairing whose waits last from `shortestWait` (50 µs by default) to
    /// `longestWait` (1 ms), as long as the latest commit took.
    init(shortestWait: TimeAmount = .microseconds(50), longestWait: TimeAmount = .milliseconds(1)) {
        self.shortestWait = shortestWait
        self.longestWait = longestWait
    }

    /// Notes a staged record other than a new job's (a consumer's change, or a pause).
    mutating func stagedChange() {
        onlyPutsStaged = false
    }

    /// Notes that a reply other than a put's waits for what is staged.
    mutating func expedite() {
        expedited = true
    }

    /// Whether the next commit waits for a consumer's change, given where it
    /// would run.
    func waits(onLoop: Bool) -> Bool {
        onLoop && onlyPutsStaged && consumersAtWork && !expedited
    }

    /// How long the next commit waits at most, after a latest commit that
    /// took `latestCommitSeconds`.
    func wait(afterCommitOf latestCommitSeconds: Double) -> TimeAmount {
        min(max(.nanoseconds(Int64(min(latestCommitSeconds, 1) * 1e9)), shortestWait), longestWait)
    }

    /// Notes that a commit starts with what is staged.
    mutating func commitStarted() {
        committingConsumerChange = !onlyPutsStaged
        onlyPutsStaged = true
        expedited = false
    }

    /// Notes that the commit in flight finished.
    mutating func commitFinished() {
        consumersAtWork = committingConsumerChange
    }
}
