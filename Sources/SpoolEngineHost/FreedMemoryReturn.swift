import NIOCore

/// When to give the memory of drained jobs and closed connections back to
/// the kernel.
///
/// glibc keeps freed memory in its arenas for reuse, and an arena shrinks
/// only from its top. The engine's loop allocates in an arena of its own,
/// where the jobs' bodies lie between longer-lived objects: after a burst of
/// 20,000 jobs of 4 KiB in mode `off` had drained, spoold kept 53 MB of RSS
/// (beanstalkd, whose one arena shrinks from the top, went back to 3 MB),
/// and after 10,000 clients had connected and gone, 41 MB. So once the
/// memory the jobs and connections hold (``held(jobMemory:connections:)``)
/// has fallen by ``threshold`` from its highest since the last return, the
/// host has malloc_trim(3) return every
/// arena's free pages when it has stopped falling for ``delay`` (a drain in
/// progress pays nothing), on a thread of Swift's pool rather than the loop:
/// a trim walks every free chunk, some 10 ms per gigabyte freed.
struct FreedMemoryReturn {
    /// How far the memory held must fall before it is returned.
    static let threshold = 8 << 20
    /// What an open connection is taken to hold (3.0-3.9 KB of RSS were
    /// measured per idle connection).
    static let connectionBytes = 4096
    /// How long the memory must have stopped falling before it is returned.
    static let delay: TimeAmount = .seconds(1)

    /// The most memory held since the last return.
    private var highest = 0

    /// The memory that jobs holding `jobMemory` and `connections` open
    /// connections are taken to hold.
    static func held(jobMemory: Int, connections: Int) -> Int {
        jobMemory + connections * connectionBytes
    }

    /// Notes the memory held now; true when it has fallen far enough since
    /// its highest point to be returned (which starts the count again from
    /// here).
    mutating func shouldReturn(held: Int) -> Bool {
        highest = max(highest, held)
        guard highest - held >= Self.threshold else { return false }
        highest = held
        return true
    }
}
