import CSystemd

/// The service watchdog configured by the unit's `WatchdogSec=` (see
/// `sd_watchdog_enabled(3)`).
///
/// When it is enabled the service must send ``NotifyState/watchdog``
/// regularly, or the service manager considers it hung. Send the pings at
/// half of ``interval()``, and send them from the loop that does the
/// service's real work (its event loop or request loop), not from a
/// dedicated timer thread: a ping then proves that the service still serves.
public enum Watchdog {
    /// The watchdog interval, from `WATCHDOG_USEC` (and `WATCHDOG_PID`, which
    /// must name this process when set).
    ///
    /// - Returns: the interval, or `nil` when no watchdog is enabled for this
    ///   process.
    /// - Throws: ``SystemdError`` when the variables are malformed.
    public static func interval() throws -> Duration? {
        var microseconds: UInt64 = 0
        let result = sd_watchdog_enabled(0, &microseconds)
        guard result >= 0 else { throw SystemdError(errno: result, function: "sd_watchdog_enabled") }
        return result > 0 ? .microseconds(microseconds) : nil
    }
}
