import Foundation
import Logging
import NIOCore
import SpoolCore
import XCTest

@testable import SpoolStore

/// Damage to the journal's files: a torn last write (a header or the last
/// record's body) is cut off and reported; damage anywhere else, also in the
/// last segment below where a commit had fsynced it, refuses to start,
/// naming the file and leaving it as it was; a damaged body is caught when
/// it is read.
final class JournalRecoveryTests: XCTestCase {
    private func segmentPath(_ harness: StoreHarness, _ segment: UInt32) -> String {
        harness.path + "/journal/" + String(format: "%08u.log", segment)
    }

    /// Runs `chattr flag path`; whether it succeeded.
    private func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Whether `condition` holds within ten seconds, asked every 20 ms.
    private func poll(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// The bytes of `journal/synced`: where the latest commit had fsynced the journal.
    private func synced(_ harness: StoreHarness) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: harness.path + "/journal/synced"))
    }

    /// Puts `journal/synced` back as it was: a commit that a crash tore
    /// never fsynced, so the file never said more than `bytes` did.
    private func restoreSynced(_ harness: StoreHarness, _ bytes: Data) throws {
        try bytes.write(to: URL(fileURLWithPath: harness.path + "/journal/synced"))
    }

    /// Writes `bytes` at `offset` of `path`.
    private func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: bytes)
        try handle.close()
    }

    func testATornLastWriteIsCutOffAndTheRestComesBack() throws {
        let harness = try StoreHarness()
        let bodies = try harness.commit([.insert(storeJob(1)), .insert(storeJob(2))])
        let end = Int(bodies[1]!.offset + bodies[1]!.length)
        let before = try synced(harness)
        XCTAssertEqual(SyncedHorizon(decoding: ByteBuffer(bytes: before)), SyncedHorizon(segment: 1, offset: UInt32(end)))
        try harness.commit([.insert(storeJob(3, body: String(repeating: "t", count: 5000)))])
        try harness.close()
        // The third record's header made it to the disk, half of it did not.
        try overwrite(segmentPath(harness, 1), at: end + 20, with: [UInt8](repeating: 0xFF, count: 8))
        try restoreSynced(harness, before)
        let (_, recovered) = try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))
        XCTAssertEqual(recovered.jobs.map(\.id), [1, 2])
        XCTAssertEqual(recovered.nextJobID, 3, "the torn put was never acknowledged")
    }

    func testAPutKilledDuringItsWriteIsCutOffThoughItsHeaderIsWhole() throws {
        let harness = try StoreHarness()
        try harness.commit([.insert(storeJob(1)), .insert(storeJob(2))])
        let before = try synced(harness)
        let torn = try harness.commit([.insert(storeJob(3, body: String(repeating: "t", count: 9000)))])[0]!
        try harness.close()
        try restoreSynced(harness, before)
        // A write stopped at a page: the header and the body's first bytes
        // are there, the rest of the allocated space is still zeros.
        let end = Int(torn.offset + torn.length)
        try overwrite(segmentPath(harness, 1), at: end - 5000, with: [UInt8](repeating: 0, count: 5000))
        let reopened = try StoreHarness(path: harness.path)
        XCTAssertEqual(reopened.recovered.jobs.map(\.id), [1, 2], "the torn put was never acknowledged: it does not come back buried")
        XCTAssertEqual(reopened.recovered.nextJobID, 4, "its id is not given again")
        XCTAssertEqual(try reopened.onLoop { $0.durableSequence }, 0)
        // The next segment's header says the first one ends where the torn
        // put began: read again, it is not taken for a record.
        try reopened.commit([.insert(storeJob(4, body: "again"))])
        let recovered = try StoreHarness.reopen(reopened)
        XCTAssertEqual(recovered.jobs.map(\.id), [1, 2, 4])
        XCTAssertEqual(recovered.jobs.last?.storedBody?.segment, 2)
        XCTAssertEqual(recovered.jobs.last?.storedBody?.length, 5)
    }

    /// The last segment below what a commit had fsynced (`journal/synced`):
    /// a record that cannot be read there, or zeros, are damage (a disk's,
    /// or a hand's), not a crash, which can only tear what came after; the
    /// start is refused rather than cut the acknowledged jobs after it.
    func testDamageInTheLastSegmentBelowWhatWasFsyncedRefusesToStart() throws {
        let harness = try StoreHarness()
        let first = try harness.commit([.insert(storeJob(1)), .insert(storeJob(2))])
        try harness.commit([.insert(storeJob(3)), .insert(storeJob(4))])
        try harness.close()
        let path = segmentPath(harness, 1)
        let pristine = try Data(contentsOf: URL(fileURLWithPath: path))
        let second = Int(first[1]!.offset + first[1]!.length)
        let horizon = try XCTUnwrap(SyncedHorizon(decoding: ByteBuffer(bytes: try synced(harness))))
        XCTAssertEqual(horizon.segment, 1)
        XCTAssertGreaterThan(Int(horizon.offset), second, "the second commit was fsynced")
        for (damage, expected) in [
            ([UInt8](repeating: 0xFF, count: 4), "a record's checksum does not match"),
            ([UInt8](repeating: 0, count: 8), "it ends where a record should be"),
        ] {
            try overwrite(path, at: second, with: damage)
            let damaged = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))) { error in
                XCTAssertEqual(
                    error as? StoreError,
                    .corrupt(path: path, reason: "the record at offset \(second) cannot be read (\(expected)), but a commit had fsynced the records on to \(horizon.offset) (synced): that is damage, not a write cut short"))
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), damaged, "left as it was")
            try pristine.write(to: URL(fileURLWithPath: path))
        }
        // A synced file that is not intact says nothing: the damage is taken for a torn write, as without it.
        try overwrite(path, at: second, with: [0xFF])
        try overwrite(harness.path + "/journal/synced", at: 12, with: [0xAB])
        let (_, recovered) = try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))
        XCTAssertEqual(recovered.jobs.map(\.id), [1, 2])
    }

    /// Segments moved away by hand leave `journal/synced` naming one that
    /// is gone: the start forgets it, so that it cannot speak for the new
    /// segment of that number, whose own commits say how far they got.
    func testAHorizonInASegmentMovedAwayIsForgotten() throws {
        let first = try StoreHarness()
        try first.commit([.insert(storeJob(1))])
        try first.close()
        let horizon = try synced(first)
        XCTAssertEqual(unlink(segmentPath(first, 1)), 0)
        try restoreSynced(first, horizon)
        let second = try StoreHarness(path: first.path)
        XCTAssertEqual(second.recovered.jobs.map(\.id), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: first.path + "/journal/synced"))
        // The new segment 1's own commit says how far it got.
        let written = try second.commit([.insert(storeJob(2))])[0]!
        XCTAssertEqual(
            SyncedHorizon(decoding: ByteBuffer(bytes: try synced(second))),
            SyncedHorizon(segment: 1, offset: written.offset + written.length))
        XCTAssertEqual(try StoreHarness.reopen(second).jobs.map(\.id), [2])
    }

    func testDamageBeforeTheLastSegmentRefusesToStartAndLeavesTheFile() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        try harness.commit((1...20).map { .insert(storeJob(JobID($0), body: String(repeating: "d", count: 500))) })
        try harness.close()
        let first = segmentPath(harness, 1)
        // In the first job's header (its priority), past the segment's own.
        try overwrite(first, at: JournalRecord.segmentHeaderSize + 20, with: [0xFF, 0xFE, 0xFD])
        let damaged = try Data(contentsOf: URL(fileURLWithPath: first))
        XCTAssertThrowsError(try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))) { error in
            guard case .corrupt(let path, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, first)
            XCTAssertTrue("\(error)".contains("will not start rather than drop jobs"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first)), damaged, "left as it was")
    }

    func testASegmentOfANewerFormatIsRefusedAsSuch() throws {
        let harness = try StoreHarness()
        try harness.commit([.insert(storeJob(1))])
        try harness.close()
        // A header naming format 2, its checksum made right, as a newer spoold would write it.
        let path = segmentPath(harness, 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.replaceSubrange(17..<21, with: [2, 0, 0, 0])
        let length = Int(bytes[4]) | Int(bytes[5]) << 8
        let checksum = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8..<(8 + length)])) }
        bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: checksum.littleEndian) { Array($0) })
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))) { error in
            XCTAssertEqual(error as? StoreError, .unsupportedVersion(path: path, version: 2))
            XCTAssertTrue("\(error)".contains("run a newer spoold"), "\(error)")
        }
    }

    /// A thousand segment files (here empty, so damaged) are refused with a
    /// clear message: the start no longer reserves room for every job they
    /// could hold (27 MB of address space each) and failed to allocate.
    func testAThousandSegmentsAreReadWithoutReservingRoomForEachByte() throws {
        let harness = try StoreHarness()
        try harness.commit([.insert(storeJob(1))])
        try harness.close()
        for segment in 2...1_001 {
            XCTAssertTrue(FileManager.default.createFile(atPath: segmentPath(harness, UInt32(segment)), contents: nil))
        }
        XCTAssertThrowsError(try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))) { error in
            XCTAssertTrue("\(error)".contains(self.segmentPath(harness, 2)), "\(error)")
        }
    }

    /// A record with the highest job id (no next id exists) is damage, not a
    /// crash (found by review: the next id overflowed): fsynced, it refuses
    /// the start; at the end of the last segment past what a commit fsynced,
    /// it is taken for a write cut short.
    func testARecordOfTheHighestJobIDIsDamageNotACrash() throws {
        let harness = try StoreHarness()
        try harness.commit([.insert(storeJob(1)), .insert(storeJob(.max))])
        try harness.close()
        XCTAssertThrowsError(try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))) { error in
            XCTAssertTrue("\(error)".contains("a record names job \(JobID.max)"), "\(error)")
        }
        XCTAssertEqual(unlink(harness.path + "/journal/synced"), 0)
        let (_, recovered) = try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))
        XCTAssertEqual(recovered.jobs.map(\.id), [1])
        XCTAssertEqual(recovered.nextJobID, 2)
    }

    func testAMissingSegmentRefusesToStart() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        try harness.commit((1...30).map { .insert(storeJob(JobID($0), body: String(repeating: "m", count: 500))) })
        try harness.close()
        XCTAssertEqual(unlink(segmentPath(harness, 2)), 0)
        XCTAssertThrowsError(try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))) { error in
            XCTAssertEqual(error as? StoreError, .corrupt(path: self.segmentPath(harness, 2), reason: "the segment is missing"))
        }
    }

    /// A spoold killed after it created its segment and before its first
    /// commit leaves that segment empty. The next start removes it and must
    /// write its own under the same number: under the next one, the start
    /// after it found a gap and refused to open the journal.
    func testAStartThatDiedBeforeItsFirstCommitLeavesNoGap() throws {
        let first = try StoreHarness()
        try first.commit([.insert(storeJob(1))])
        try first.close()
        XCTAssertTrue(FileManager.default.createFile(atPath: segmentPath(first, 2), contents: nil))
        let second = try StoreHarness(path: first.path)
        XCTAssertEqual(second.recovered.jobs.map(\.id), [1])
        try second.commit([.insert(storeJob(2))])
        try second.close()
        let (_, recovered) = try StateDirectory.open(first.path, mode: .always, logger: Logger(label: "test"))
        XCTAssertEqual(recovered.jobs.map(\.id), [1, 2])
    }

    /// A start fsyncs the segments recovery read before any commit builds
    /// on them (found by review: a spoold killed between its write and its
    /// fsync leaves records in the page cache; the next one read them, wrote
    /// the next segment's header naming their end, and a power cut before
    /// the kernel wrote them back left a journal the start after refused).
    func testAStartMakesWhatRecoveryReadDurable() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        try harness.commit((1...30).map { .insert(storeJob(JobID($0), body: String(repeating: "m", count: 500))) })
        let segments = try harness.onLoop { $0.segments }
        try harness.close()
        let (directory, _) = try StateDirectory.open(harness.path, mode: .always, logger: Logger(label: "test"))
        XCTAssertGreaterThan(segments.count, 2)
        XCTAssertEqual(directory.journal.segmentSyncs.count, segments.count, "each segment read is fsynced once")
        XCTAssertEqual(directory.journal.segmentSyncs.latest, segments.last)
    }

    /// Outside mode `always` too, a segment is fsynced before the next
    /// one's header, which names where it ends, is written (found by
    /// review: in mode `interval` a power cut could keep the header and
    /// lose the tail, and the start refused the journal instead of losing
    /// the window the mode allows).
    func testASegmentIsDurableBeforeTheNextOneStartsInEveryMode() throws {
        let harness = try StoreHarness(mode: .interval(milliseconds: 600_000), segmentSize: 4096)
        try harness.commit([.insert(storeJob(1, body: String(repeating: "m", count: 500)))])
        let first = try harness.onLoop { $0.segments.last! }
        XCTAssertEqual(harness.directory!.journal.segmentSyncs.count, 0, "no fsync in this mode yet")
        var id: JobID = 2
        while try harness.onLoop({ $0.segments.last! }) == first {
            try harness.commit([.insert(storeJob(id, body: String(repeating: "m", count: 500)))])
            id += 1
        }
        let syncs = harness.directory!.journal.segmentSyncs
        XCTAssertEqual(syncs.count, 1)
        XCTAssertEqual(syncs.latest, first)
    }

    /// A segment whose deletion fails is deleted again before any newer one
    /// (found by review: it was forgotten, newer ones went, and the gap made
    /// the next start refuse the journal). The failure here: the file made
    /// immutable (`chattr +i`; the scratch directory's file system must
    /// have the attribute, as ext4 has).
    func testASegmentThatCannotBeDeletedGoesBeforeAnyNewerOne() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        let body = String(repeating: "m", count: 500)
        let bodies = try harness.commit((1...40).map { .insert(storeJob(JobID($0), body: body)) })
        let segmentOf = Dictionary(uniqueKeysWithValues: bodies.enumerated().map { (JobID($0.offset + 1), $0.element!.segment) })
        let segments = Array(Set(segmentOf.values)).sorted()
        XCTAssertGreaterThan(segments.count, 3)
        let (oldest, next) = (segments[0], segments[1])
        guard chattr("+i", segmentPath(harness, oldest)) else {
            return XCTFail("chattr +i failed on \(segmentPath(harness, oldest)): the test needs a file system with the immutable attribute")
        }
        defer { _ = chattr("-i", segmentPath(harness, oldest)) }
        func deleteJobs(in segment: UInt32) throws {
            let ids = segmentOf.filter { $0.value == segment }.keys.sorted()
            try harness.commit(ids.map { .delete($0) })
            let deleted = ids.map { bodies[Int($0) - 1]! }
            try harness.onLoop { store in deleted.forEach(store.release) }
        }
        try deleteJobs(in: oldest)
        try deleteJobs(in: next)
        // Commits go on; each tries the deletion again, oldest first.
        for id in 41...45 { try harness.commit([.insert(storeJob(JobID(id), body: body))]) }
        XCTAssertTrue(poll { (try? harness.onLoop { Array($0.segments.prefix(2)) }) == [oldest, next] })
        XCTAssertTrue(FileManager.default.fileExists(atPath: segmentPath(harness, next)), "not deleted before the older one")
        XCTAssertTrue(chattr("-i", segmentPath(harness, oldest)))
        // Each commit tries again, once the attempt in flight has failed.
        var id: JobID = 46
        XCTAssertTrue(poll {
            _ = try? harness.commit([.insert(storeJob(id, body: body))])
            id += 1
            return !FileManager.default.fileExists(atPath: self.segmentPath(harness, next))
        })
        XCTAssertFalse(FileManager.default.fileExists(atPath: segmentPath(harness, oldest)))
        let recovered = try StoreHarness.reopen(harness)
        XCTAssertEqual(recovered.jobs.count, 40 - segmentOf.values.filter { $0 == oldest || $0 == next }.count + Int(id - 41))
    }

    func testADamagedBodyIsCaughtWhenItIsRead() throws {
        let harness = try StoreHarness()
        // The journal's last record: damage that no write cut short
        // explains (not zeros to its end) is not taken for a torn put.
        let bodies = try harness.commit([.insert(storeJob(1, body: "pristine"))])
        try harness.close()
        try overwrite(segmentPath(harness, 1), at: Int(bodies[0]!.offset) + 2, with: Array("X".utf8))
        let reopened = try StoreHarness(path: harness.path)
        XCTAssertEqual(reopened.recovered.jobs.map(\.id), [1], "an acknowledged job whose body was damaged comes back")
        let failure = try reopened.onLoop { store -> String? in
            do {
                _ = try store.body(bodies[0]!)
                return nil
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(failure?.contains("does not match its checksum") == true, failure ?? "read without error")
        try reopened.close()
    }

    /// The engine buries a job whose body cannot be read, with the reason,
    /// instead of handing it out; the next job is served.
    func testTheEngineBuriesAJobWhoseBodyIsDamaged() throws {
        let harness = try StoreHarness()
        let bodies = try harness.commit([.insert(storeJob(1, body: "broken")), .insert(storeJob(2, body: "fine"))])
        try harness.close()
        try overwrite(segmentPath(harness, 1), at: Int(bodies[0]!.offset), with: Array("X".utf8))
        let reopened = try StoreHarness(path: harness.path)
        let recovered = reopened.recovered
        let (reserved, stats) = try reopened.onLoop { store -> (String?, JobStats?) in
            let engine = Engine(clock: ManualClock(), store: store)
            engine.restore(recovered)
            let session = engine.openSession()
            guard case .reserved(let job)? = engine.reserve(session, timeout: 0) else { return (nil, nil) }
            return (String(buffer: job.body), engine.jobStats(1))
        }
        XCTAssertEqual(reserved, "fine")
        XCTAssertEqual(stats?.state, .buried)
        XCTAssertTrue(stats?.lastFailure?.contains("its body cannot be read from the store") == true, "\(String(describing: stats))")
        try reopened.close()
    }
}
