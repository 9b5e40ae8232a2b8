/// What a durable store's commits have been like since start, for metrics:
/// how long each took (write and fsync, as the engine's loop waits for it)
/// and how many records each carried (group commit at work).
public struct CommitActivity: Sendable, Equatable {
    /// Seconds from the start of a commit (on the loop or handed to the writer thread) to its completion.
    public internal(set) var latency = Histogram(upperBounds: Histogram.commitLatencyBounds)
    /// Records per commit.
    public internal(set) var batchSize = Histogram(upperBounds: Histogram.batchSizeBounds)

    /// No commits yet.
    public init() {}

    /// Counts one commit of `records` records that took `seconds`.
    public mutating func record(records: Int, seconds: Double) {
        latency.observe(seconds)
        batchSize.observe(Double(records))
    }
}
