import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The engine's source of time, injected so that tests control it.
///
/// `now` is monotonic and drives every timer; `wallNanoseconds` is only
/// written into store records, so that delays survive a restart.
public protocol EngineClock: AnyObject {
    /// Monotonic time in nanoseconds.
    var now: Int64 { get }
    /// Wall-clock time in nanoseconds since the Unix epoch.
    var wallNanoseconds: Int64 { get }
}

/// The system's clocks.
public final class SystemClock: EngineClock {
    /// Creates the system clock.
    public init() {}

    /// `CLOCK_MONOTONIC` in nanoseconds.
    public var now: Int64 { Int64(NIODeadline.now().uptimeNanoseconds) }

    /// `CLOCK_REALTIME` in nanoseconds.
    public var wallNanoseconds: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

/// A clock that moves only when told to, for deterministic tests.
public final class ManualClock: EngineClock {
    /// The current monotonic time.
    public var now: Int64
    /// The current wall-clock time.
    public var wallNanoseconds: Int64

    /// Creates a clock at the given times.
    public init(now: Int64 = 1_000_000_000_000, wall: Int64 = 1_700_000_000_000_000_000) {
        self.now = now
        self.wallNanoseconds = wall
    }

    /// Moves both clocks forward by `seconds`.
    public func advance(seconds: Double) {
        advance(nanoseconds: Int64(seconds * 1e9))
    }

    /// Moves both clocks forward by `nanoseconds`.
    public func advance(nanoseconds: Int64) {
        now += nanoseconds
        wallNanoseconds += nanoseconds
    }
}

/// Nanoseconds in one second.
let nanosecondsPerSecond: Int64 = 1_000_000_000
