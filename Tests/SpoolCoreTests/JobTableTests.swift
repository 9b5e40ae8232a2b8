import NIOCore
import SpoolTestSupport
import XCTest

@testable import SpoolCore

/// The engine's table of jobs by id against a `Dictionary`, through the
/// patterns a queue makes: ids put in order and taken from the front, long
/// runs of collisions, jobs left behind in a sliding window, and growth.
final class JobTableTests: XCTestCase {
    private let tube = Tube(name: "default")

    private func job(_ id: JobID) -> Job {
        Job(id: id, tube: tube, priority: 0, delay: 0, ttr: nanosecondsPerSecond, body: .inMemory(ByteBuffer()), now: 0)
    }

    /// Random inserts, removals and lookups agree with a dictionary, whatever
    /// the seed; every id ever used is looked up after each round.
    func testAgreesWithADictionaryUnderRandomChurn() {
        for seed in UInt64(1)...20 {
            var random = SplitMix64(seed: seed)
            var table = JobTable()
            var model: [JobID: Job] = [:]
            var nextID: JobID = 1
            for _ in 0..<4_000 {
                if model.isEmpty || random.next() % 3 != 0 {
                    let added = job(nextID)
                    nextID += 1 + random.next() % 3
                    table.insert(added)
                    model[added.id] = added
                } else {
                    // Mostly the oldest (a queue's front), sometimes any.
                    let victim = random.next() % 4 == 0 ? model.keys.randomElement(using: &random)! : model.keys.min()!
                    table.remove(victim)
                    model[victim] = nil
                }
            }
            XCTAssertEqual(table.count, model.count, "seed \(seed)")
            for id in 1..<nextID {
                XCTAssertTrue(table[id] === model[id], "seed \(seed), id \(id)")
            }
            XCTAssertEqual(Set(table.values.map(\.id)), Set(model.keys), "seed \(seed)")
        }
    }

    /// Ids far apart (a large power-of-two stride) are found, and removing
    /// every other one never hides one that is left.
    func testCollidingRunsSurviveRemovalFromTheMiddle() {
        var table = JobTable()
        let ids = (1...200).map { JobID($0) * 1_048_576 }
        let jobs = ids.map(job)
        jobs.forEach { table.insert($0) }
        for (index, id) in ids.enumerated() where index.isMultiple(of: 2) { table.remove(id) }
        for (index, id) in ids.enumerated() {
            XCTAssertEqual(table[id] === jobs[index], !index.isMultiple(of: 2), "id \(id)")
        }
        table.remove(12_345)
        XCTAssertEqual(table.count, 100)
    }

    /// A table of a million jobs costs fewer than 16 bytes of slots a job.
    func testAMillionJobsTakeFewerThan16BytesOfSlotsEach() {
        var table = JobTable()
        for id in JobID(1)...1_000_000 { table.insert(job(id)) }
        XCTAssertEqual(table.count, 1_000_000)
        XCTAssertLessThanOrEqual(table.capacity * 8 / table.count, 15)
        XCTAssertTrue(table[777_777]?.id == 777_777)
        XCTAssertNil(table[1_000_001])
    }
}
