import DequeModule
import NIOConcurrencyHelpers
import NIOCore
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// The journal's files, `journal/NNNNNNNN.log` in the state directory, and
/// the bytes staged for them but not yet durable.
///
/// The engine's loop lays records out (``append(at:capacity:sequence:_:)``:
/// it decides every record's segment and offset, so a body's place is known
/// the moment it is staged); the store's writer thread takes what was
/// staged (``takeChunks()``), writes it and fsyncs (``write(_:sync:)``).
/// Bodies are read back on the loop, from the staged bytes while they are
/// not yet written and from the files after (``body(_:)``). One lock guards
/// the staged bytes and the table of open files.
final class Journal: @unchecked Sendable {
    /// Staged bytes for one stretch of one segment.
    struct Chunk {
        /// The segment they go to.
        var segment: UInt32
        /// Where in the segment they start.
        var offset: UInt32
        /// The bytes.
        var bytes: ByteBuffer
        /// The sequence number of the last record they hold.
        var lastSequence: CommitSequence
        /// Set when the chunk starts its segment: the file is created with
        /// this many bytes allocated.
        var capacity: Int?
    }

    /// The directory of the segment files.
    let directory: String
    private let lock = NIOLock()
    private var files: [UInt32: CInt] = [:]
    /// The newest segment's space allocated and not yet written (under
    /// `lock`: commits write it on the loop or the writer thread, and the
    /// writer thread measures the space).
    private var allocatedAhead = (segment: UInt32(0), allocated: 0, written: 0)
    private var sealed: [Chunk] = []
    private var open: Chunk?
    /// The sequence number of the latest record appended.
    private var lastAppendedSequence: CommitSequence = 0
    /// Chunks written lately, kept (up to ``recentBytesLimit``) so that a job
    /// reserved soon after its put is served without a read from the file.
    private var recent = Deque<Chunk>()
    /// The memory ``recent`` holds: its buffers' capacity.
    private var recentBytes = 0
    /// The capacity of the buffers of the recent chunks, counted afresh (for tests).
    var recentBuffersCapacity: Int {
        lock.withLock { recent.reduce(0) { $0 + $1.bytes.capacity } }
    }
    /// The most memory of written chunks kept in ``recent``.
    static let recentBytesLimit = 4 << 20
    /// The file that says how far the journal was last fsynced (``SyncedHorizon``).
    static let syncedFileName = "synced"
    /// ``syncedFileName``, opened by the first commit that syncs; -1 before.
    /// It and the two below are used only by the commit in flight (on the
    /// loop or the writer thread) and by ``recordPendingSyncedHorizon()``
    /// once commits have stopped.
    private var syncedDescriptor: CInt = -1
    /// When ``syncedFileName`` was last written, and the horizon reached
    /// since that it does not say yet.
    private var syncedRecorded: ContinuousClock.Instant?
    private var syncedPending: SyncedHorizon?
    /// How often at most a commit writes ``syncedFileName``: its write, in
    /// the path of every reply, cost 5-8% of the jobs per second of one
    /// producer and one consumer; later commits leave theirs pending. Set
    /// before the first commit (tests: zero, every commit).
    var syncedInterval: Duration = .milliseconds(100)
    /// The segment the latest commit wrote last (used only by the commit in
    /// flight): a commit that goes on in another makes it durable first.
    private var lastWrittenSegment: UInt32?
    /// How many times a segment was fsynced, and the latest (for tests).
    var segmentSyncs: (count: Int, latest: UInt32) { lock.withLock { syncs } }
    private var syncs = (count: 0, latest: UInt32(0))

    init(directory: String) {
        self.directory = directory
    }

    deinit {
        for descriptor in files.values { close(descriptor) }
        if syncedDescriptor >= 0 { close(syncedDescriptor) }
    }

    /// The path of a segment's file.
    func path(of segment: UInt32) -> String {
        let digits = String(segment)
        return directory + "/" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".log"
    }

    // MARK: Recovery

    /// Numbers of the segment files present, in order.
    func segmentsOnDisk() throws -> [UInt32] {
        guard let stream = opendir(directory) else {
            throw StoreError.unusableDirectory(path: directory, reason: String(cString: strerror(errno)))
        }
        defer { closedir(stream) }
        var segments: [UInt32] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name.hasSuffix(".log"), let number = UInt32(name.dropLast(4)), path(of: number).hasSuffix("/" + name) else { continue }
            segments.append(number)
        }
        return segments.sorted()
    }

    /// Opens a recovered segment for reading and maps it; `read` sees its bytes.
    func withMappedSegment<T>(_ segment: UInt32, _ read: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let path = path(of: segment)
        var descriptor = lock.withLock { files[segment] } ?? -1
        if descriptor < 0 {
            descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { throw StoreError.unusableDirectory(path: path, reason: String(cString: strerror(errno))) }
            lock.withLock { files[segment] = descriptor }
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw StoreError.unusableDirectory(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(status.st_size)
        guard size > 0 else { return try read(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw StoreError.unusableDirectory(path: path, reason: String(cString: strerror(errno)))
        }
        defer { munmap(base, size) }
        _ = madvise(base, size, MADV_SEQUENTIAL)
        return try read(UnsafeRawBufferPointer(start: base, count: size))
    }

    // MARK: The loop's side

    /// Appends to what is staged at `offset` of `segment` the bytes `encode`
    /// writes, as the record with sequence number `sequence`; `capacity` is
    /// set when these bytes start the segment.
    ///
    /// Each record comes in one piece, with a sequence number greater than
    /// the one before: a chunk's ``Chunk/lastSequence`` then never names a
    /// record the chunk does not hold, which a commit that took it would
    /// count as written.
    func append<T>(at segment: UInt32, offset: UInt32, capacity: Int?, sequence: CommitSequence, _ encode: (inout ByteBuffer) -> T) -> T {
        lock.withLock {
            assert(sequence > lastAppendedSequence, "record \(sequence) appended after \(lastAppendedSequence)")
            lastAppendedSequence = sequence
            if var chunk = open, chunk.segment == segment, chunk.offset + UInt32(chunk.bytes.readableBytes) == offset, capacity == nil {
                open = nil
                let result = encode(&chunk.bytes)
                chunk.lastSequence = sequence
                open = chunk
                return result
            }
            if let chunk = open { sealed.append(chunk) }
            var bytes = ByteBuffer()
            bytes.reserveCapacity(4096)
            let result = encode(&bytes)
            open = Chunk(segment: segment, offset: offset, bytes: bytes, lastSequence: sequence, capacity: capacity)
            return result
        }
    }

    /// A body, from the staged bytes while it is not yet written, else from its file.
    /// - Throws: ``StoreError`` when it cannot be read or its checksum does not match.
    func body(_ stored: StoredBody) throws -> ByteBuffer {
        let (staged, descriptor): (ByteBuffer?, CInt?) = lock.withLock {
            if let open, let slice = Self.slice(stored, of: open) { return (slice, nil) }
            for chunk in sealed.reversed() {
                if let slice = Self.slice(stored, of: chunk) { return (slice, nil) }
            }
            if let chunk = Self.lastChunk(startingAtOrBefore: stored, in: recent), let slice = Self.slice(stored, of: chunk) {
                return (slice, nil)
            }
            return (nil, files[stored.segment])
        }
        if let staged { return staged }
        guard let descriptor else {
            throw StoreError.corrupt(path: path(of: stored.segment), reason: "the segment holding a body is missing")
        }
        var body = ByteBuffer()
        let length = Int(stored.length)
        var read = 0
        var failure: Int32 = 0
        body.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
            while read < length {
                let count = pread(descriptor, target.baseAddress! + read, length - read, off_t(stored.offset) + off_t(read))
                if count > 0 {
                    read += count
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    failure = count < 0 ? errno : 0
                    break
                }
            }
            return read
        }
        guard read == length else {
            let why = failure != 0 ? String(cString: strerror(failure)) : "the file ends first"
            throw StoreError.corrupt(path: path(of: stored.segment), reason: "a body at offset \(stored.offset) cannot be read: \(why)")
        }
        guard body.withUnsafeReadableBytes(CRC32C.checksum) == stored.checksum else {
            throw StoreError.corrupt(path: path(of: stored.segment), reason: "the body at offset \(stored.offset) does not match its checksum")
        }
        return body
    }

    /// The last of `chunks` (in journal order) that starts at or before
    /// `stored`: the only one that may hold it.
    private static func lastChunk(startingAtOrBefore stored: StoredBody, in chunks: Deque<Chunk>) -> Chunk? {
        var low = 0
        var high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            let chunk = chunks[middle]
            if (chunk.segment, chunk.offset) <= (stored.segment, stored.offset) { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? chunks[low - 1] : nil
    }

    /// The body's bytes when `chunk` holds them.
    private static func slice(_ stored: StoredBody, of chunk: Chunk) -> ByteBuffer? {
        guard chunk.segment == stored.segment, chunk.offset <= stored.offset,
              Int(stored.offset - chunk.offset) + Int(stored.length) <= chunk.bytes.readableBytes
        else { return nil }
        return chunk.bytes.getSlice(at: chunk.bytes.readerIndex + Int(stored.offset - chunk.offset), length: Int(stored.length))
    }

    /// Moves the first `count` chunks, written and durable now, to the
    /// recent ones, forgetting the oldest of those beyond the limit.
    ///
    /// A chunk is staged in a buffer made for many records; one that holds a
    /// record or two (a commit of one producer's put) is kept in a buffer of
    /// its own size. Counted by their bytes, 4 MiB of such chunks had held
    /// 80 MB: an idle spoold stayed at 99 MB of RSS after a burst.
    func dropChunks(_ count: Int) {
        lock.withLock {
            for var chunk in sealed.prefix(count) {
                if chunk.bytes.capacity > 2 * chunk.bytes.readableBytes {
                    chunk.bytes = ByteBuffer(bytes: chunk.bytes.readableBytesView)
                }
                recent.append(chunk)
                recentBytes += chunk.bytes.capacity
            }
            sealed.removeFirst(count)
            while recentBytes > Self.recentBytesLimit, let oldest = recent.popFirst() {
                recentBytes -= oldest.bytes.capacity
            }
        }
    }

    // MARK: The writer's side

    /// Everything staged and not yet known durable, the open chunk sealed.
    func takeChunks() -> [Chunk] {
        lock.withLock {
            if let chunk = open {
                sealed.append(chunk)
                open = nil
            }
            return sealed
        }
    }

    /// Writes `chunks` (creating the segments they start) and, with `sync`,
    /// fsyncs every file they touched, a segment before any later one is
    /// written.
    /// - Throws: ``StoreError`` naming the file; nothing is durable then, and
    ///   the same chunks are written again by the next attempt.
    func write(_ chunks: [Chunk], sync: Bool) throws {
        var touched: [UInt32: CInt] = [:]
        for chunk in chunks {
            // Writing on in the next segment makes the one before durable
            // first, in every mode: the next one's header names where it
            // ends, and a start that finds that header but not its tail (a
            // power cut before the kernel wrote it back, or between two
            // unordered syncs) refuses the journal. Once a segment; with
            // `sync`, a commit before this one already made it durable
            // unless this one wrote to it.
            if let previous = lastWrittenSegment, previous != chunk.segment, touched[previous] != nil || !sync,
               let earlier = touched[previous] ?? lock.withLock({ files[previous] }) {
                try syncSegment(previous, earlier)
                touched[previous] = nil
            }
            lastWrittenSegment = chunk.segment
            let descriptor = try touched[chunk.segment] ?? descriptor(for: chunk)
            touched[chunk.segment] = descriptor
            lock.withLock {
                if chunk.segment == allocatedAhead.segment {
                    allocatedAhead.written = max(allocatedAhead.written, Int(chunk.offset) + chunk.bytes.readableBytes)
                }
            }
            try chunk.bytes.withUnsafeReadableBytes { bytes in
                var written = 0
                while written < bytes.count {
                    let count = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(chunk.offset) + off_t(written))
                    if count < 0, errno == EINTR { continue }
                    // Nothing written and no error: errno says nothing of it.
                    if count == 0 { errno = EIO }
                    guard count > 0 else { throw Self.failure(path(of: chunk.segment)) }
                    written += count
                }
            }
        }
        guard sync else { return }
        for (segment, descriptor) in touched { try syncSegment(segment, descriptor) }
        guard let last = chunks.last else { return }
        syncedPending = SyncedHorizon(segment: last.segment, offset: last.offset + UInt32(last.bytes.readableBytes))
        let now = ContinuousClock.now
        if syncedRecorded.map({ now - $0 >= syncedInterval }) ?? true {
            syncedRecorded = now
            recordPendingSyncedHorizon()
        }
    }

    /// Writes the horizon the commits reached and ``syncedFileName`` does
    /// not say yet, if any (also when the store closes).
    func recordPendingSyncedHorizon() {
        guard let horizon = syncedPending else { return }
        syncedPending = nil
        recordSynced(horizon)
    }

    /// Writes `horizon` to ``syncedFileName``, unsynced: the page cache
    /// takes it, and the kernel writes it back within seconds. Should the
    /// write fail, or a power cut take it, the file says less than it
    /// could, never more; so a failure is not an error of the commit.
    private func recordSynced(_ horizon: SyncedHorizon) {
        if syncedDescriptor < 0 {
            syncedDescriptor = Glibc.open(directory + "/" + Self.syncedFileName, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard syncedDescriptor >= 0 else { return }
        }
        _ = horizon.encoded.withUnsafeReadableBytes { pwrite(syncedDescriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Removes ``syncedFileName`` (at start, before any commit).
    func forgetSyncedHorizon() {
        unlink(directory + "/" + Self.syncedFileName)
    }

    /// What ``syncedFileName`` says, when it holds an intact record.
    func syncedHorizon() -> SyncedHorizon? {
        let descriptor = Glibc.open(directory + "/" + Self.syncedFileName, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = ByteBuffer()
        let count = bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: SyncedHorizon.size) {
            max(0, pread(descriptor, $0.baseAddress, SyncedHorizon.size, 0))
        }
        return count == SyncedHorizon.size ? SyncedHorizon(decoding: bytes) : nil
    }

    /// Free space on the journal's file system, plus what the newest segment
    /// has allocated and not yet used.
    func availableBytes() -> Int64 {
        var fileSystem = statvfs()
        guard statvfs(directory, &fileSystem) == 0 else { return 0 }
        let ahead = lock.withLock { max(0, allocatedAhead.allocated - allocatedAhead.written) }
        return Int64(fileSystem.f_bavail) * Int64(fileSystem.f_frsize) + Int64(ahead)
    }

    /// fsyncs every segment open (mode `interval:MS`, and at start, what
    /// recovery read: bytes a killed spoold wrote but never synced are in
    /// the page cache, where recovery read them and built on them).
    func syncAll() throws {
        for (segment, descriptor) in lock.withLock({ files }).sorted(by: { $0.key < $1.key }) {
            try syncSegment(segment, descriptor)
        }
    }

    private func syncSegment(_ segment: UInt32, _ descriptor: CInt) throws {
        guard fdatasync(descriptor) == 0 else { throw Self.failure(path(of: segment)) }
        lock.withLock { syncs = (syncs.count + 1, segment) }
    }

    /// Deletes segments that hold nothing needed any more (with none, it
    /// does nothing: a start that finds nothing to remove syncs no directory).
    func remove(_ segments: [UInt32]) throws {
        guard !segments.isEmpty else { return }
        for segment in segments {
            if let descriptor = lock.withLock({ files.removeValue(forKey: segment) }) { close(descriptor) }
            guard unlink(path(of: segment)) == 0 || errno == ENOENT else { throw Self.failure(path(of: segment)) }
        }
        // Before a later segment goes: a deleted segment must never come back without those after it.
        try syncDirectory()
    }

    /// The segment's file, created (space allocated, directory entry fsynced)
    /// when the chunk starts it.
    private func descriptor(for chunk: Chunk) throws -> CInt {
        if let descriptor = lock.withLock({ files[chunk.segment] }) { return descriptor }
        let path = path(of: chunk.segment)
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure(path) }
        // Written into allocated space, an fdatasync has no file size to
        // journal: a commit costs one device flush. Without the space (a
        // nearly full disk) the file simply grows as it is written.
        if let capacity = chunk.capacity {
            let allocated = posix_fallocate(descriptor, 0, off_t(capacity)) == 0 ? capacity : 0
            lock.withLock { allocatedAhead = (chunk.segment, allocated, 0) }
        }
        do {
            try syncDirectory()
        } catch {
            close(descriptor)
            throw error
        }
        lock.withLock { files[chunk.segment] = descriptor }
        return descriptor
    }

    private func syncDirectory() throws {
        try Self.syncDirectory(directory)
    }

    /// fsyncs the directory at `path`, so that the entries made in it last.
    static func syncDirectory(_ path: String) throws {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure(path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.failure(path) }
    }

    private static func failure(_ path: String) -> StoreError {
        .writeFailed(path: path, reason: String(cString: strerror(errno)))
    }
}
