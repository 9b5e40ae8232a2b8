import SpoolTestSupport
import Logging
import NIOCore
import NIOPosix
import SpoolCore

@testable import SpoolStore

/// A ``JournalStore`` on a real event loop and writer thread over a real
/// state directory, driven synchronously by a test.
final class StoreHarness {
    let path: String
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var loop: EventLoop { group.next() }
    private(set) var directory: StateDirectory?
    private(set) var store: NIOLoopBound<JournalStore>!
    /// What the directory held when it was opened.
    private(set) var recovered = RecoveredQueue()

    /// Opens `path` (a new temporary directory when nil).
    init(
        path: String? = nil, mode: DurabilityMode = .always, segmentSize: Int = JournalStore.defaultSegmentSize, reservedBytes: Int64 = 0,
        placement: CommitPlacement = CommitPlacement(), pairing: CommitPairing = CommitPairing()
    ) throws {
        self.path = try path ?? TestScratch.temporaryDirectory().path
        let (directory, recovered) = try StateDirectory.open(self.path, mode: mode, logger: Logger(label: "test"))
        // Every commit says how far it fsynced, so that a test knows what journal/synced holds.
        directory.journal.syncedInterval = .zero
        self.directory = directory
        self.recovered = recovered
        let loop = self.loop
        store = try loop.submit {
            NIOLoopBound(
                JournalStore(
                    directory: directory, reservedBytes: reservedBytes, segmentSize: segmentSize, placement: placement,
                    pairing: pairing, eventLoop: loop, logger: Logger(label: "test")),
                eventLoop: loop)
        }.wait()
    }

    /// Runs `body` with the store on its loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (JournalStore) -> T) throws -> T {
        let store = self.store!
        return try loop.submit { body(store.value) }.wait()
    }

    /// Stages `records` in one pass of the loop and waits until they are
    /// durable; returns where each insert's body lies.
    @discardableResult
    func commit(_ records: [StoreRecord]) throws -> [StoredBody?] {
        let store = self.store!
        let loop = self.loop
        let done = loop.makePromise(of: Void.self)
        let bodies = try loop.submit { () -> [StoredBody?] in
            var bodies: [StoredBody?] = []
            var last: CommitSequence = 0
            for record in records {
                last = store.value.stage(record)
                bodies.append(store.value.latestStoredBody)
            }
            store.value.whenDurable(last) { _ in done.succeed() }
            return bodies
        }.wait()
        try done.futureResult.wait()
        return bodies
    }

    /// Stops the writer and lets the directory (and its lock) go.
    func close() throws {
        store = nil
        try directory?.writer.syncShutdownGracefully()
        directory = nil
        try group.syncShutdownGracefully()
    }

    /// Closes, opens the directory again and returns what it holds.
    static func reopen(_ harness: StoreHarness) throws -> RecoveredQueue {
        try harness.close()
        let (_, recovered) = try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))
        return recovered
    }
}

/// A job image for store tests.
func storeJob(
    _ id: JobID, state: JobRecord.DurableState = .ready, tube: String = "default", body: String? = "body",
    attempts: UInt32 = 0, lastFailure: String? = nil
) -> JobRecord {
    var counters = JobCounters()
    counters.releases = 2
    counters.buries = state == .buried ? 1 : 0
    return JobRecord(
        id: id, tube: tube, priority: UInt32(truncatingIfNeeded: id &* 10), delay: state == .delayed ? 5_000_000_000 : 0,
        ttr: 60_000_000_000, state: state, readyAtWall: state == .delayed ? 1_900_000_000_000_000_000 : 0,
        createdWall: 1_700_000_000_000_000_000, counters: counters, attempts: attempts, lastFailure: lastFailure,
        body: body.map { ByteBuffer(string: $0) })
}

/// `job` as recovery returns it: its body left on disk, located by `stored`.
func recoveredJob(_ job: JobRecord, _ stored: StoredBody?) -> JobRecord {
    var job = job
    job.body = nil
    job.storedBody = stored
    return job
}

/// `job` as an update carries it: without its body.
func updateRecord(_ job: JobRecord) -> StoreRecord {
    var job = job
    job.body = nil
    return .update(job)
}
