/// A pool's counters, kept on the engine's loop.
struct PoolStatistics {
    var attempts: UInt64 = 0
    var failures: UInt64 = 0
    var buried: UInt64 = 0
    var totalRunTime: Duration = .zero

    /// Counts one finished attempt.
    mutating func record(_ verdict: AttemptVerdict, duration: Duration) {
        switch verdict {
        case .release:
            return
        case .delete:
            break
        case .retry:
            failures += 1
        case .bury:
            failures += 1
            buried += 1
        }
        attempts += 1
        totalRunTime += duration
    }

    /// The mean duration of the counted attempts.
    var averageRunTime: Duration {
        attempts == 0 ? .zero : totalRunTime / Int(clamping: attempts)
    }
}
