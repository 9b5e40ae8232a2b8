import Logging
import NIOCore
import NIOPosix
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// The durable store of a state directory, opened at start-up: the
/// directory's lock, the journal read back, and the writer thread that
/// commits to it.
///
/// ```swift
/// let (directory, recovered) = try StateDirectory.open("/var/lib/spool", mode: .always, logger: logger)
/// // on the engine's loop:
/// let store = JournalStore(directory: directory, reservedBytes: 8 << 20, eventLoop: loop, logger: logger)
/// engine.restore(recovered)
/// // at exit, after the server stopped:
/// try await directory.close()
/// ```
public final class StateDirectory: Sendable {
    /// The durability mode the store was opened for.
    public let mode: DurabilityMode
    /// The state directory.
    public let path: String
    let journal: Journal
    let replay: JournalReplay
    let writer: NIOThreadPool
    private let lock: StateDirectoryLock

    /// The journal's directory.
    public var journalPath: String { journal.directory }

    /// The space to allocate for each journal segment: 16 MiB, less on a
    /// small file system (a 64th of it, at least 1 MiB), where a whole
    /// segment must empty before its space comes back.
    public var segmentSize: Int {
        var fileSystem = statvfs()
        guard statvfs(path, &fileSystem) == 0 else { return JournalStore.defaultSegmentSize }
        let total = Int(fileSystem.f_blocks) * Int(fileSystem.f_frsize)
        return min(JournalStore.defaultSegmentSize, max(1 << 20, total / 64))
    }

    private init(mode: DurabilityMode, path: String, journal: Journal, replay: JournalReplay, lock: StateDirectoryLock) {
        self.mode = mode
        self.path = path
        self.journal = journal
        self.replay = replay
        self.lock = lock
        writer = NIOThreadPool(numberOfThreads: 1)
        writer.start()
    }

    /// Creates the directory if needed, locks it, converts a `spool.db` left
    /// by an earlier spoold, and reads back every job the journal holds.
    /// - Throws: ``StoreError`` naming the directory or file at fault.
    public static func open(_ path: String, mode: DurabilityMode, logger: Logger) throws -> (StateDirectory, RecoveredQueue) {
        try createDirectory(path)
        let lock = try StateDirectoryLock(directory: path)
        try createDirectory(path + "/journal")
        try syncEntries(of: path)
        let journal = Journal(directory: path + "/journal")
        if LegacyDatabase.exists(in: path) { try convertLegacyDatabase(in: path, to: journal, logger: logger) }
        let replay = try JournalReplay(journal: journal)
        // What recovery read is what the next commits build on (the next
        // segment's header names where the last one ends): on disk first.
        try journal.syncAll()
        if replay.tornBytes > 0 {
            logger.notice("the journal ends in a write that was cut short; no reply acknowledged it", metadata: [
                "path": "\(journal.path(of: replay.lastSegment))", "ignored_bytes": "\(replay.tornBytes)",
            ])
        }
        try? journal.remove(replay.emptySegments)
        // A horizon in another segment than the last one read (its files
        // moved away by hand) would speak for a later segment of that
        // number: forgotten, the next commit says it again.
        if let synced = replay.synced, synced.segment != replay.lastSegment { journal.forgetSyncedHorizon() }
        return (StateDirectory(mode: mode, path: path, journal: journal, replay: replay, lock: lock), replay.queue)
    }

    /// Lets the commit in progress finish and stops the writer thread. Call
    /// once the server has stopped; the lock is released when the process exits.
    public func close() async throws {
        try await writer.shutdownGracefully()
        journal.recordPendingSyncedHorizon()
    }

    /// Writes what `spool.db` holds into a fresh journal, fsyncs it, then
    /// deletes the database. Until the database is gone it is the truth: a
    /// conversion cut short is done again from the start.
    private static func convertLegacyDatabase(in path: String, to journal: Journal, logger: Logger) throws {
        let queue = try LegacyDatabase(directory: path).recover()
        try journal.remove(try journal.segmentsOnDisk())
        var chunks: [Journal.Chunk] = []
        var bytes = ByteBuffer()
        func startSegment(previousEnd: Int) {
            let segment = UInt32(chunks.count + 1)
            JournalRecord.append(.init(segment: segment, previousEnd: UInt32(previousEnd), nextJobID: queue.nextJobID), to: &bytes)
            for pause in queue.pauses {
                JournalRecord.append(.pause(tube: pause.tube, untilWall: pause.untilWall, duration: pause.duration), to: &bytes, segment: segment, position: 0)
            }
        }
        startSegment(previousEnd: 0)
        for job in queue.jobs {
            if bytes.readableBytes + JournalRecord.size(of: .insert(job)) > JournalStore.defaultSegmentSize {
                chunks.append(.init(segment: UInt32(chunks.count + 1), offset: 0, bytes: bytes, lastSequence: 0, capacity: bytes.readableBytes))
                let previousEnd = bytes.readableBytes
                bytes.clear()
                startSegment(previousEnd: previousEnd)
            }
            JournalRecord.append(.insert(job), to: &bytes, segment: UInt32(chunks.count + 1), position: UInt32(bytes.readableBytes))
        }
        chunks.append(.init(segment: UInt32(chunks.count + 1), offset: 0, bytes: bytes, lastSequence: 0, capacity: bytes.readableBytes))
        try journal.write(chunks, sync: true)
        try LegacyDatabase.remove(from: path)
        logger.notice("converted the queue from spool.db to the journal", metadata: [
            "path": "\(path)", "jobs": "\(queue.jobs.count)",
        ])
    }

    /// fsyncs the state directory (its `journal/` and lock file entries) and,
    /// where it can be read, its parent (the state directory's own entry), at
    /// every start: a power cut must not take away a directory whose files
    /// were fsynced, also when the start that made it ended before its sync.
    private static func syncEntries(of path: String) throws {
        try Journal.syncDirectory(path)
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let parent = trimmed.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        try? Journal.syncDirectory(parent.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : parent)
    }

    /// `mkdir -p` with mode 0700: the queue's contents are private. A parent
    /// made here is fsynced into its own parent where that can be read (the
    /// state directory and its journal are at every start: ``syncEntries(of:)``).
    private static func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + component
            if mkdir(prefix, 0o700) == 0 {
                try? Journal.syncDirectory(parent)
            } else if errno != EEXIST {
                throw StoreError.unusableDirectory(path: path, reason: String(cString: strerror(errno)))
            }
        }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw StoreError.unusableDirectory(path: path, reason: "not a directory")
        }
        guard access(path, W_OK) == 0 else {
            throw StoreError.unusableDirectory(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
