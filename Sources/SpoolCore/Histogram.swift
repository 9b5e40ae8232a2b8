/// Counts of observations in fixed buckets, with their sum: the shape of a
/// Prometheus histogram. Kept by whoever owns the numbers (the engine on its
/// loop, the store on the same loop), so observing takes no lock.
public struct Histogram: Sendable, Equatable {
    /// The buckets' inclusive upper bounds, ascending; a last bucket without
    /// a bound (`+Inf`) follows them.
    public let upperBounds: [Double]
    /// Observations per bucket (not cumulative); one more than ``upperBounds``.
    public private(set) var bucketCounts: [UInt64]
    /// The sum of every observation.
    public private(set) var sum: Double = 0
    /// How many observations there were.
    public private(set) var count: UInt64 = 0

    /// An empty histogram with these bounds.
    /// - Precondition: `upperBounds` is ascending and finite.
    public init(upperBounds: [Double]) {
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "bucket bounds must ascend")
        self.upperBounds = upperBounds
        bucketCounts = [UInt64](repeating: 0, count: upperBounds.count + 1)
    }

    /// Counts `value` in the first bucket whose bound it does not exceed.
    public mutating func observe(_ value: Double) {
        var index = 0
        while index < upperBounds.count, value > upperBounds[index] { index += 1 }
        bucketCounts[index] += 1
        sum += value
        count += 1
    }

    /// Counts a duration given in nanoseconds, in seconds.
    public mutating func observe(nanoseconds: Int64) {
        observe(Double(max(0, nanoseconds)) / 1e9)
    }

    /// Observations at or below each bound, then the total (`+Inf`): what
    /// Prometheus's `_bucket` series carry.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return bucketCounts.map { count in
            running += count
            return running
        }
    }
}

extension Histogram {
    /// Bounds for how long a job waits and runs: a millisecond to an hour.
    public static let jobDurationBounds: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600]
    /// Bounds for a store commit's latency: 50 µs to a second.
    public static let commitLatencyBounds: [Double] = [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
    ]
    /// Bounds for how many records a commit carries.
    public static let batchSizeBounds: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
}
