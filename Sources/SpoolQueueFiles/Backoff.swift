import DurationConversions

/// How long a failed job waits before its next attempt: exponential growth from
/// `minimum`, doubling with each attempt, capped at `maximum`, with full jitter
/// (a uniformly random delay up to the exponential bound) so that jobs that
/// failed together do not come back together.
public struct Backoff: Sendable, Equatable {
    /// The delay after the first failed attempt (`BackoffMin=`).
    public let minimum: Duration
    /// The longest delay (`BackoffMax=`).
    public let maximum: Duration

    /// A backoff from `minimum` up to `maximum`.
    /// - Precondition: `0 < minimum <= maximum`.
    public init(minimum: Duration, maximum: Duration) {
        precondition(minimum > .zero && minimum <= maximum, "backoff needs 0 < minimum <= maximum")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The delay after failed attempt number `attempt` (counted from 1): uniformly
    /// random between `minimum` and `min(maximum, minimum × 2^(attempt − 1))`,
    /// to the nanosecond. Attempt 1 waits exactly `minimum`.
    /// - Precondition: `attempt >= 1`.
    public func delay(attempt: Int, random: inout some RandomNumberGenerator) -> Duration {
        precondition(attempt >= 1, "attempts are counted from 1")
        var bound = minimum
        var doublings = attempt - 1
        while doublings > 0, bound < maximum {
            bound = maximum - bound <= bound ? maximum : bound * 2
            doublings -= 1
        }
        return minimum + .nanoseconds(Int64.random(in: 0...(bound - minimum).nanoseconds, using: &random))
    }
}
