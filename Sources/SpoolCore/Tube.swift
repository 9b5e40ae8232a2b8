import DequeModule
import NIOCore

/// A named queue: its ready, delayed and buried jobs and the sessions waiting on it.
/// Owned by the ``Engine``; it exists while jobs or sessions refer to it.
final class Tube {
    let name: String
    var ready = IndexedHeap<ReadyOrder>()
    var delayed = IndexedHeap<DelayedOrder>()
    var buried = IndexedHeap<BuriedOrder>()
    /// How long a ready job waits before it goes ahead of every job that has
    /// waited less, whatever their priorities (nanoseconds); nil: strict priority.
    var agingAfter: Int64?
    /// The ready jobs by how long they have waited, kept only with an aging rule.
    var readyByAge = IndexedHeap<AgeOrder>()
    /// How much the tube may hold.
    var limits = TubeLimits()
    /// The bytes of its jobs' bodies.
    var bodyBytes = 0
    /// Puts waiting for room (`WhenFull=wait`), in arrival order.
    var blockedPuts = Deque<BlockedPut>()

    /// Sessions blocked in reserve on this tube, in arrival order. An entry is
    /// live while its generation matches the session's wait generation.
    var waiters = Deque<(session: Session, generation: UInt64)>()
    var waitingCount = 0
    var usingCount = 0
    var watchingCount = 0
    /// Jobs in this tube, in any state.
    var jobCount = 0
    var urgentCount = 0
    var reservedCount = 0
    var totalJobs: UInt64 = 0
    var deleteCount: UInt64 = 0
    var pauseCount: UInt64 = 0

    /// The length of the current pause (0 when not paused).
    var pauseDuration: Int64 = 0
    /// When the current pause ends.
    var unpauseAt: Int64 = 0
    /// Position in the engine's pause heap.
    var pauseHeapIndex = -1
    /// Position in the engine's tube list.
    var listIndex = -1
    /// Where the engine counts the tube's ``TubeActivity``.
    var activitySlot = 0

    init(name: String) {
        self.name = name
    }

    /// Whether a job of `size` body bytes fits now.
    func hasRoom(for size: Int) -> Bool {
        (limits.maxJobs.map { jobCount < $0 } ?? true) && (limits.maxBytes.map { bodyBytes + size <= $0 } ?? true)
    }

    /// Whether a job of `size` body bytes fits in an empty tube: a larger
    /// one is refused even when puts wait, since no room would ever do.
    func couldHold(_ size: Int) -> Bool {
        limits.maxBytes.map { size <= $0 } ?? true
    }

    /// Whether the tube is paused at `now`. As in beanstalkd, an expired pause
    /// counts as over even before its timer has fired.
    func isPaused(at now: Int64) -> Bool { pauseDuration > 0 && unpauseAt > now }

    /// The ready job a reserve takes at `now`: the longest-waiting one if it
    /// has waited past the aging rule, else the best by priority.
    func nextReady(now: Int64) -> Job? {
        if let agingAfter, let oldest = readyByAge.first, now - oldest.readySince >= agingAfter { return oldest }
        return ready.first
    }

    /// Sets the aging rule and rebuilds the heap of ready jobs by age.
    func setAging(after: Int64?) {
        while readyByAge.popFirst() != nil {}
        agingAfter = after
        guard after != nil else { return }
        for job in ready.elements { readyByAge.insert(job) }
    }

    /// Whether nothing refers to the tube any more, so it can be forgotten.
    var isUnreferenced: Bool { usingCount == 0 && watchingCount == 0 && jobCount == 0 }

    /// Removes and returns the first session still waiting, dropping stale entries.
    func takeWaiter() -> Session? {
        while let entry = waiters.popFirst() {
            if entry.session.waitGeneration == entry.generation { return entry.session }
        }
        return nil
    }

    /// Drops stale waiter entries once they outnumber the live ones, so that
    /// sessions that stopped waiting leave no growing residue.
    func compactWaiters() {
        guard waiters.count > 2 * waitingCount + 32 else { return }
        waiters = Deque(waiters.filter { $0.session.waitGeneration == $0.generation })
    }
}

/// A put held until its tube has room.
struct BlockedPut {
    let session: Session
    let id: JobID
    let priority: UInt32
    let delay: UInt32
    let ttr: UInt32
    let body: ByteBuffer
}

/// Paused tubes, soonest unpause first.
enum PauseOrder: HeapPolicy {
    static func precedes(_ a: Tube, _ b: Tube) -> Bool { a.unpauseAt < b.unpauseAt }
    static func index(of tube: Tube) -> Int { tube.pauseHeapIndex }
    static func setIndex(_ index: Int, of tube: Tube) { tube.pauseHeapIndex = index }
}
