import Glibc
import NIOCore
import XCTest

@testable import SpoolCore

/// A queued job's size in memory, which bounds how deep a backlog fits in RAM.
final class JobFootprintTests: XCTestCase {
    /// A job that was only put takes malloc's 112-byte class: its fields fit
    /// in 104 bytes and nothing else is allocated for it.
    func testAQueuedJobFitsInOneSmallAllocation() {
        let tube = Tube(name: "default")
        let job = Job(
            id: 1, tube: tube, priority: 0, delay: 0, ttr: nanosecondsPerSecond,
            body: .stored(StoredBody(segment: 1, offset: 0, length: 64, checksum: 0)), now: 0)
        // malloc_usable_size, which Glibc's module map leaves out (malloc.h).
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
        guard let symbol = dlsym(nil, "malloc_usable_size") else { return XCTFail("no malloc_usable_size") }
        let usableSize = unsafeBitCast(symbol, to: UsableSize.self)
        let size = usableSize(Unmanaged.passUnretained(job).toOpaque())
        XCTAssertLessThanOrEqual(size, 104, "a queued job's object")
        XCTAssertEqual(job.counters, JobCounters())
        XCTAssertNil(job.reserver)
        XCTAssertEqual(job.sessionSlot, -1)
    }

    /// Activity made on first use keeps what it is given; delays and TTRs
    /// are whole seconds, a fraction rounded up.
    func testActivityAndWholeSeconds() {
        let tube = Tube(name: "default")
        let job = Job(id: 2, tube: tube, priority: 5, delay: 1_500_000_000, ttr: 0, body: .inMemory(ByteBuffer()), now: 0)
        XCTAssertEqual(job.delay, 2 * nanosecondsPerSecond)
        XCTAssertEqual(job.ttr, nanosecondsPerSecond, "a TTR is at least one second")
        job.counters.reserves += 1
        job.attempts = 3
        job.sessionSlot = 7
        XCTAssertEqual(job.counters.reserves, 1)
        XCTAssertEqual(job.attempts, 3)
        XCTAssertEqual(job.sessionSlot, 7)
        job.delay = -5
        XCTAssertEqual(job.delay, 0)
    }
}
