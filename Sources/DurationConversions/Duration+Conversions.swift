/// `Duration` in the plain numbers that system calls, schedulers, logs and
/// wire formats take. Every conversion says how it rounds; those that give an
/// `Int64` saturate at `Int64.min` and `Int64.max` rather than trap.
extension Duration {
    /// Whole nanoseconds, truncated toward zero.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, sumOverflow) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow || sumOverflow ? Self.saturated(seconds) : total
    }

    /// Whole milliseconds, truncated toward zero: for logs and counters.
    public var milliseconds: Int64 {
        nanoseconds / 1_000_000
    }

    /// Milliseconds rounded up (toward +∞): for a timeout that must not
    /// expire before the duration has passed, such as poll(2)'s.
    public var millisecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        let fraction = attoseconds > 0 ? (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000 : attoseconds / 1_000_000_000_000_000
        let (total, sumOverflow) = whole.addingReportingOverflow(fraction)
        return overflow || sumOverflow ? Self.saturated(seconds) : total
    }

    /// Seconds rounded up (toward +∞): for a count of whole seconds that
    /// must not be shorter than the duration.
    public var secondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        let (total, overflow) = seconds.addingReportingOverflow(attoseconds > 0 ? 1 : 0)
        return overflow ? .max : total
    }

    /// Seconds as a floating-point number, fraction included.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The bound a conversion of a duration of `seconds` saturates at.
    private static func saturated(_ seconds: Int64) -> Int64 {
        seconds < 0 ? .min : .max
    }
}
