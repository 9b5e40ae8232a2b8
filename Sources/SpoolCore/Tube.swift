import DequeModule

/// A named queue: its ready, delayed and buried jobs and the sessions waiting on it.
/// Owned by the ``Engine``; it exists while jobs or sessions refer to it.
final class Tube {
    let name: String
    var ready = IndexedHeap<ReadyOrder>()
    var delayed = IndexedHeap<DelayedOrder>()
    var buried = IndexedHeap<BuriedOrder>()

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

    init(name: String) {
        self.name = name
    }

    /// Whether the tube is paused at `now`. As in beanstalkd, an expired pause
    /// counts as over even before its timer has fired.
    func isPaused(at now: Int64) -> Bool { pauseDuration > 0 && unpauseAt > now }

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

/// Paused tubes, soonest unpause first.
enum PauseOrder: HeapPolicy {
    static func precedes(_ a: Tube, _ b: Tube) -> Bool { a.unpauseAt < b.unpauseAt }
    static func index(of tube: Tube) -> Int { tube.pauseHeapIndex }
    static func setIndex(_ index: Int, of tube: Tube) { tube.pauseHeapIndex = index }
}
