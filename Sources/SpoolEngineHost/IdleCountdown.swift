/// Counts how long a daemon has been idle, one tick a second, for
/// `--exit-when-idle`: it is due once the daemon was found idle at the start
/// and at the end of `limit` whole seconds, with every tick between idle too.
///
/// The first idle tick starts the count and does not count as a second: a
/// tick just after start, before the client whose connection started the
/// daemon is accepted, finds it idle, and must not end it.
public struct IdleCountdown: Sendable, Equatable {
    /// Seconds of idleness after which the daemon exits; 0: never.
    public let limit: UInt32
    /// Consecutive ticks that found the daemon idle.
    private var idleTicks: UInt32 = 0
    private var reported = false

    /// A countdown to `limit` seconds (0: never due).
    public init(limit: UInt32) {
        self.limit = limit
    }

    /// Counts one tick that found the daemon idle or not; returns true once,
    /// when the daemon has been idle for `limit` seconds.
    public mutating func tick(isIdle: Bool) -> Bool {
        idleTicks = isIdle ? idleTicks &+ 1 : 0
        guard limit > 0, !reported, idleTicks > limit else { return false }
        reported = true
        return true
    }
}
