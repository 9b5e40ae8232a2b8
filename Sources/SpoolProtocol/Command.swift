import NIOCore

/// A client command of the beanstalkd protocol, parsed and validated.
///
/// Numeric arguments keep beanstalkd's widths: priorities, delays, TTRs and
/// pause durations are `UInt32` seconds, job ids are `UInt64`.
public enum Command: Sendable, Equatable {
    /// `put <pri> <delay> <ttr> <bytes>` followed by the job body.
    case put(priority: UInt32, delay: UInt32, ttr: UInt32, body: ByteBuffer)
    /// `use <tube>`.
    case use(tube: String)
    /// `reserve`.
    case reserve
    /// `reserve-with-timeout <seconds>`; a negative value waits forever, as in beanstalkd.
    case reserveWithTimeout(seconds: Int32)
    /// `reserve-job <id>`.
    case reserveJob(id: UInt64)
    /// `delete <id>`.
    case delete(id: UInt64)
    /// `release <id> <pri> <delay>`.
    case release(id: UInt64, priority: UInt32, delay: UInt32)
    /// `bury <id> <pri>`.
    case bury(id: UInt64, priority: UInt32)
    /// `touch <id>`.
    case touch(id: UInt64)
    /// `watch <tube>`.
    case watch(tube: String)
    /// `ignore <tube>`.
    case ignore(tube: String)
    /// `peek <id>`.
    case peek(id: UInt64)
    /// `peek-ready`.
    case peekReady
    /// `peek-delayed`.
    case peekDelayed
    /// `peek-buried`.
    case peekBuried
    /// `kick <bound>`.
    case kick(bound: UInt32)
    /// `kick-job <id>`.
    case kickJob(id: UInt64)
    /// `stats-job <id>`.
    case statsJob(id: UInt64)
    /// `stats-tube <tube>`.
    case statsTube(tube: String)
    /// `stats`.
    case stats
    /// `list-tubes`.
    case listTubes
    /// `list-tube-used`.
    case listTubeUsed
    /// `list-tubes-watched`.
    case listTubesWatched
    /// `pause-tube <tube> <delay>`.
    case pauseTube(tube: String, delay: UInt32)
    /// `quit`.
    case quit
}
