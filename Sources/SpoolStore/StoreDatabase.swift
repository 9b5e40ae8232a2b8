import NIOPosix
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// The durable store of a state directory, opened at start-up: the directory's
/// lock, the database and the writer thread that commits to it.
///
/// ```swift
/// let (database, recovered) = try StoreDatabase.open(directory: "/var/lib/spool", mode: .always)
/// // on the engine's loop:
/// let store = SQLiteJobStore(database: database, reservedBytes: 8 << 20, eventLoop: loop, logger: logger)
/// engine.restore(recovered)
/// // at exit, after the server stopped:
/// try await database.close()
/// ```
public final class StoreDatabase: Sendable {
    /// The durability mode the database was opened for.
    public let mode: DurabilityMode
    /// The state directory.
    public let directory: String
    let database: JobDatabase
    let writer: NIOThreadPool
    private let lock: StateDirectoryLock

    private init(mode: DurabilityMode, directory: String, database: JobDatabase, lock: StateDirectoryLock) {
        self.mode = mode
        self.directory = directory
        self.database = database
        self.lock = lock
        writer = NIOThreadPool(numberOfThreads: 1)
        writer.start()
    }

    /// The database file.
    public var path: String { database.path }

    /// The largest job body the store keeps. SQLite refuses a string, blob or
    /// row longer than SQLITE_MAX_LENGTH (1,000,000,000 bytes as Debian builds
    /// it) with SQLITE_TOOBIG; a job's row holds its body and a few small
    /// columns, so a body up to this size always commits. spoold caps its
    /// max-job-size (-z) here when it keeps jobs in the store.
    public static let maxBodySize = 999_000_000

    /// Creates the directory if needed, locks it, opens its database and reads
    /// back every job it holds.
    /// - Throws: ``StoreError`` naming the directory or file at fault.
    public static func open(directory: String, mode: DurabilityMode) throws -> (StoreDatabase, RecoveredQueue) {
        try createDirectory(directory)
        let lock = try StateDirectoryLock(directory: directory)
        let database = try JobDatabase(directory: directory, mode: mode)
        let recovered = try database.recover()
        return (StoreDatabase(mode: mode, directory: directory, database: database, lock: lock), recovered)
    }

    /// Lets the commit in progress finish and stops the writer thread. Call
    /// once the server has stopped; the lock is released when the process exits.
    public func close() async throws {
        try await writer.shutdownGracefully()
    }

    /// `mkdir -p` with mode 0700: the queue's contents are private.
    private static func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
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
