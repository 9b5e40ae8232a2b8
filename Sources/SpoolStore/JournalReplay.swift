import SpoolCore

/// Reads the journal back at start-up: the queue it describes, and how much
/// of each segment still holds jobs.
///
/// Segments are read in order; each one's first record names the segment
/// and where the one before it ended, so a segment that stops short (a
/// damaged or missing stretch) is refused as damaged rather than read as
/// shorter. Only the last segment may end in a torn write (spoold died
/// during a commit, which no reply acknowledged): it ends there, unless
/// ``SyncedHorizon`` says a commit had fsynced it further (damage, refused).
/// Bodies are located, not read, but for the journal's last record's, which
/// a put killed during its write may have left short (``isCutShort(_:in:)``).
struct JournalReplay {
    /// What each segment holds.
    struct Usage: Equatable {
        /// Jobs whose latest insert (and body) is in the segment.
        var liveJobs = 0
        /// Their bytes (``SpoolCore/StoredBody/liveBytes``).
        var liveBytes = 0
        /// Where the segment's records end.
        var end: UInt32 = 0
    }

    /// The queue to restore.
    private(set) var queue = RecoveredQueue()
    /// Every segment that is kept, by number.
    private(set) var usage: [UInt32: Usage] = [:]
    /// The last segment that holds records; the next one written follows it.
    /// (With only empty segments, the last of them; 0 when there is none.)
    private(set) var lastSegment: UInt32 = 0
    /// Bytes of a torn write ignored at the end of the last segment.
    private(set) var tornBytes = 0
    /// Empty files left by a start that ended before its first commit.
    private(set) var emptySegments: [UInt32] = []
    /// What `journal/synced` said (``SyncedHorizon``).
    private(set) var synced: SyncedHorizon?

    /// Reads every segment of `journal`.
    /// - Throws: ``StoreError/corrupt(path:reason:)`` naming the segment.
    init(journal: Journal) throws {
        var pauses: [String: RecoveredQueue.Pause] = [:]
        var nextJobID: JobID = 1
        let segments = try journal.segmentsOnDisk()
        // A job takes at least some 100 bytes of the journal; the table grows
        // past a million if it must (reserving room for every byte on disk
        // took 27 MB of address space per segment file, and a thousand
        // files made the start fail to allocate).
        var jobs = RecordTable(expecting: min(segments.count * (JournalStore.defaultSegmentSize / 100), 1 << 20))
        var expectedEnd: (segment: UInt32, end: UInt32)?
        var ends: [UInt32: UInt32] = [:]
        synced = journal.syncedHorizon()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            let path = journal.path(of: segment)
            let end = try journal.withMappedSegment(segment) { bytes throws -> UInt32? in
                let first: (header: JournalRecord.SegmentHeader, next: Int)
                do throws(JournalRecord.Failure) {
                    first = try JournalRecord.decodeSegmentHeader(bytes)
                } catch .end where isLast {
                    return nil
                } catch .end {
                    throw StoreError.corrupt(path: path, reason: "it is empty, but later segments exist")
                } catch .unknownFormat(let version) {
                    throw StoreError.unsupportedVersion(path: path, version: Int64(version))
                } catch let failure {
                    throw StoreError.corrupt(path: path, reason: failure.reason)
                }
                let header = first.header
                var offset = first.next
                guard header.segment == segment else {
                    throw StoreError.corrupt(path: path, reason: "it calls itself segment \(header.segment)")
                }
                if let expectedEnd {
                    guard expectedEnd.segment + 1 == segment else {
                        throw StoreError.corrupt(path: journal.path(of: expectedEnd.segment + 1), reason: "the segment is missing")
                    }
                    guard expectedEnd.end == header.previousEnd else {
                        throw StoreError.corrupt(
                            path: journal.path(of: expectedEnd.segment),
                            reason: "its records end at \(expectedEnd.end), but the next segment says \(header.previousEnd)")
                    }
                }
                nextJobID = max(nextJobID, header.nextJobID)
                // A segment followed by another one ends where that one's header says.
                let limit = index + 1 < segments.count ? Self.previousEnd(journal, segments[index + 1]) : nil
                // In the last one, records fsynced by a commit go on at least to here.
                let syncedEnd = limit == nil && synced?.segment == segment ? Int(synced!.offset) : 0
                // Applied once the next one is read: the journal's very last
                // record is checked whole first (below).
                var pending: (record: StoreRecord, offset: Int)?
                while limit.map({ offset < Int($0) }) ?? true {
                    let read: (record: StoreRecord, next: Int)
                    do throws(JournalRecord.Failure) {
                        read = try JournalRecord.decodeRecord(bytes, at: offset, segment: segment)
                    } catch .end where limit == nil && offset >= syncedEnd {
                        break
                    } catch .damaged where limit == nil && offset >= syncedEnd {
                        tornBytes = bytes.count - offset
                        break
                    } catch .secondSegmentHeader {
                        throw StoreError.corrupt(path: path, reason: "a second segment header at offset \(offset)")
                    } catch let failure where limit == nil {
                        throw StoreError.corrupt(
                            path: path,
                            reason: "the record at offset \(offset) cannot be read (\(failure.reason)), but a commit had fsynced the records on to \(syncedEnd) (\(Journal.syncedFileName)): that is damage, not a write cut short")
                    } catch let failure {
                        throw StoreError.corrupt(
                            path: path, reason: "the record at offset \(offset) cannot be read (\(failure.reason)), but the next segment says the records go on to \(limit ?? 0)")
                    }
                    if let previous = pending.take() { Self.apply(previous.record, to: &jobs, pauses: &pauses, nextJobID: &nextJobID) }
                    pending = (read.record, offset)
                    offset = read.next
                }
                // A put killed during its write can leave its header whole
                // and its body short (the kernel stops a write to a file at a
                // page for SIGKILL; the rest of the allocated space is still
                // zeros): the last record of the journal is its torn end when
                // its body is. Such a put was never answered; its id is not
                // given again. A body damaged otherwise comes back, to be
                // buried when it is read.
                if let last = pending {
                    if limit == nil, case .insert(let job) = last.record, let body = job.storedBody,
                       Int(body.offset + body.length) > syncedEnd, Self.isCutShort(body, in: bytes) {
                        tornBytes = bytes.count - last.offset
                        offset = last.offset
                        nextJobID = max(nextJobID, job.id &+ 1)
                    } else {
                        Self.apply(last.record, to: &jobs, pauses: &pauses, nextJobID: &nextJobID)
                    }
                }
                return UInt32(offset)
            }
            guard let end else {
                emptySegments.append(segment)
                continue
            }
            ends[segment] = end
            expectedEnd = (segment, end)
        }
        for segment in ends.keys { usage[segment] = Usage(end: ends[segment]!) }
        let live = (consume jobs).live()
        for job in live {
            guard let stored = job.storedBody else { continue }
            usage[stored.segment, default: Usage()].liveJobs += 1
            usage[stored.segment, default: Usage()].liveBytes += stored.liveBytes
        }
        // The last segment with records: an empty one after it (a start
        // that died before its first commit) is removed, and the next
        // segment takes its number, so that no gap is ever left behind.
        lastSegment = ends.keys.max() ?? segments.last ?? 0
        queue = RecoveredQueue(jobs: live, pauses: pauses.values.sorted { $0.tube < $1.tube }, nextJobID: nextJobID)
    }

    /// Whether `body` in `bytes` is a write cut short: it does not match its
    /// checksum, and it ends in zeros from a page boundary on, where a write
    /// stopped and the allocated space was never written.
    static func isCutShort(_ body: StoredBody, in bytes: UnsafeRawBufferPointer) -> Bool {
        let start = Int(body.offset)
        let end = start + Int(body.length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard CRC32C.checksum(slice) != body.checksum else { return false }
        let written = (slice.lastIndex { $0 != 0 }).map { start + $0 + 1 } ?? start
        let page = 4096
        return (written + page - 1) / page * page < end
    }

    /// The end of the previous segment as `segment`'s header gives it; nil when it has no header (an empty last file).
    private static func previousEnd(_ journal: Journal, _ segment: UInt32) -> UInt32? {
        try? journal.withMappedSegment(segment) { bytes in
            (try? JournalRecord.decodeSegmentHeader(bytes))?.0.previousEnd
        }
    }

    /// The jobs read so far, found by id. Puts are journaled in id order,
    /// so records go to an array kept sorted by id and are found by binary
    /// search: no hashing, and a million jobs are not copied as a table
    /// grows. A job moved out of an old segment (put again with its old,
    /// lower id) goes to a small table of its own.
    private struct RecordTable {
        private var records: [JobRecord] = []
        private var deleted: [Bool] = []
        private var moved: [JobID: JobRecord] = [:]

        /// A table with room for `count` jobs (memory is only touched as it fills).
        init(expecting count: Int) {
            records.reserveCapacity(count)
            deleted.reserveCapacity(count)
        }

        /// The place of the live job `id` in `records`.
        private func place(of id: JobID) -> Int? {
            var low = 0
            var high = records.count
            while low < high {
                let middle = (low + high) / 2
                if records[middle].id < id { low = middle + 1 } else { high = middle }
            }
            return low < records.count && records[low].id == id && !deleted[low] ? low : nil
        }

        subscript(id: JobID) -> JobRecord? {
            if !moved.isEmpty, let job = moved[id] { return job }
            return place(of: id).map { records[$0] }
        }

        mutating func put(_ job: JobRecord) {
            if job.id > (records.last?.id ?? 0) {
                records.append(job)
                deleted.append(false)
            } else if !moved.isEmpty, moved[job.id] != nil {
                moved[job.id] = job
            } else if let place = place(of: job.id) {
                records[place] = job
            } else {
                moved[job.id] = job
            }
        }

        mutating func remove(_ id: JobID) {
            if !moved.isEmpty, moved.removeValue(forKey: id) != nil { return }
            if let place = place(of: id) { deleted[place] = true }
        }

        /// The jobs left, by id: the table's own array, compacted in place
        /// (a million records are neither copied nor allocated twice).
        consuming func live() -> [JobRecord] {
            var live = records
            records = []
            var kept = 0
            for index in live.indices where !deleted[index] && (moved.isEmpty || moved[live[index].id] == nil) {
                if kept != index { live.swapAt(kept, index) }
                kept += 1
            }
            live.removeSubrange(kept...)
            guard !moved.isEmpty else { return live }
            live += moved.values
            live.sort { $0.id < $1.id }
            return live
        }
    }

    private static func apply(
        _ record: StoreRecord, to jobs: inout RecordTable, pauses: inout [String: RecoveredQueue.Pause],
        nextJobID: inout JobID
    ) {
        switch record {
        case .insert(let job):
            jobs.put(job)
            nextJobID = max(nextJobID, job.id + 1)
        case .update(var job):
            // A job whose insert was in a deleted segment was deleted too.
            guard let stored = jobs[job.id]?.storedBody else { return }
            job.storedBody = stored
            jobs.put(job)
        case .delete(let id):
            jobs.remove(id)
        case .pause(let tube, let untilWall, let duration):
            pauses[tube] = .init(tube: tube, untilWall: untilWall, duration: duration)
        }
    }
}
