import Foundation
import XCTest

/// A queue holding one of each thing a restart must keep, made through a real
/// spoold, and the checks that a spoold restarted on the same state
/// directory holds it still: priorities and their order, TTRs, tube names,
/// a delay with what is left of it, a buried job's counters, a reserved job
/// (ready again), a pause, and job ids that keep rising.
final class RestartFixture {
    /// A job put with a priority and TTR of its own.
    struct PrioritizedJob {
        let id: UInt64
        let priority: UInt32
        let ttr: Int
        let body: String
    }

    static let priorityTube = "priorities"
    static let delayTube = "delays"
    /// A name with every punctuation mark beanstalkd allows in one.
    static let buryTube = "buried-+/;.$_()1"
    static let pauseTube = "paused"
    static let reserveTube = "in-progress"
    static let pauseSeconds = 60
    static let delaySeconds: TimeInterval = 3
    /// How much of the delay passes before the restart: a spoold that started
    /// the delay over would make the job ready only after this plus the whole delay.
    static let delayElapsedBeforeRestart: TimeInterval = 1.5

    /// The jobs of ``priorityTube`` in the order a reserve must hand them out.
    let prioritized: [PrioritizedJob]
    let delayedID: UInt64
    /// When the delayed job was put (just before its put was sent).
    let delayedPutAt: Date
    let buriedID: UInt64
    let pausedID: UInt64
    let reservedID: UInt64
    /// The highest id handed out before the restart; its job was deleted.
    let deletedHighestID: UInt64
    /// The connection that holds ``reservedID``: it must stay open until
    /// spoold stops, or closing it would release the job before the restart.
    private let holder: JobClient

    /// Makes the queue through spoold on `port`.
    init(populating port: Int) throws {
        let producer = try JobClient(port: port)
        producer.use(Self.priorityTube)
        // Put in an order that is not the reserve order; equal priorities go by id.
        let specs: [(priority: UInt32, ttr: Int, body: String)] = [
            (5, 50, "five"), (1, 10, "one"), (3, 30, "three-first"), (UInt32.max, 90, "last"), (3, 31, "three-second"),
        ]
        var jobs: [PrioritizedJob] = []
        for spec in specs {
            let id = try XCTUnwrap(producer.putID(spec.body, priority: spec.priority, ttr: spec.ttr))
            jobs.append(PrioritizedJob(id: id, priority: spec.priority, ttr: spec.ttr, body: spec.body))
        }
        prioritized = jobs.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }

        producer.use(Self.delayTube)
        delayedPutAt = Date()
        delayedID = try XCTUnwrap(producer.putID("later", delay: Int(Self.delaySeconds)))

        producer.use(Self.pauseTube)
        pausedID = try XCTUnwrap(producer.putID("waits for the pause"))
        XCTAssertEqual(producer.send("pause-tube \(Self.pauseTube) \(Self.pauseSeconds)"), "PAUSED")

        // One release, two burials and a kick, ending buried at priority 40.
        producer.use(Self.buryTube)
        buriedID = try XCTUnwrap(producer.putID("troubled", priority: 10))
        let worker = try JobClient(port: port)
        worker.watchOnly(Self.buryTube)
        XCTAssertEqual(worker.reserve(timeout: 0)?.id, buriedID)
        XCTAssertEqual(worker.send("release \(buriedID) 20 0"), "RELEASED")
        XCTAssertEqual(worker.reserve(timeout: 0)?.id, buriedID)
        XCTAssertEqual(worker.send("bury \(buriedID) 30"), "BURIED")
        XCTAssertEqual(producer.send("kick 1"), "KICKED 1")
        XCTAssertEqual(worker.reserve(timeout: 0)?.id, buriedID)
        XCTAssertEqual(worker.send("bury \(buriedID) 40"), "BURIED")

        producer.use(Self.reserveTube)
        reservedID = try XCTUnwrap(producer.putID("in progress when spoold stopped"))
        holder = try JobClient(port: port)
        holder.watchOnly(Self.reserveTube)
        XCTAssertEqual(holder.reserve(timeout: 0)?.id, reservedID)

        producer.use("default")
        deletedHighestID = try XCTUnwrap(producer.putID("the highest id, deleted"))
        XCTAssertEqual(producer.send("delete \(deletedHighestID)"), "DELETED")
    }

    /// Waits until ``delayElapsedBeforeRestart`` of the delayed job's delay has passed.
    func waitForPartOfTheDelay() {
        let wait = delayedPutAt.addingTimeInterval(Self.delayElapsedBeforeRestart).timeIntervalSinceNow
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }

    /// Checks that spoold on `port`, restarted on the same directory, holds
    /// everything as it was, then that it hands it out as it should. Takes
    /// until the delayed job is ready.
    func verify(port: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try JobClient(port: port)
        XCTAssertLessThan(Date().timeIntervalSince(delayedPutAt), Self.delaySeconds,
                          "the restart took so long that the delay cannot be checked", file: file, line: line)

        // What stats tell, before any reserve changes it.
        for job in prioritized {
            let stats = client.stats("stats-job \(job.id)")
            XCTAssertEqual(stats["tube"], Self.priorityTube, "job \(job.id)", file: file, line: line)
            XCTAssertEqual(stats["state"], "ready", "job \(job.id)", file: file, line: line)
            XCTAssertEqual(stats["pri"], "\(job.priority)", "job \(job.id)", file: file, line: line)
            XCTAssertEqual(stats["ttr"], "\(job.ttr)", "job \(job.id)", file: file, line: line)
        }
        let delayed = client.stats("stats-job \(delayedID)")
        XCTAssertEqual(delayed["state"], "delayed", "a delay that has not run out is kept", file: file, line: line)
        XCTAssertEqual(delayed["delay"], "\(Int(Self.delaySeconds))", file: file, line: line)
        XCTAssertEqual(delayed["tube"], Self.delayTube, file: file, line: line)
        let buried = client.stats("stats-job \(buriedID)")
        XCTAssertEqual(buried["tube"], Self.buryTube, file: file, line: line)
        XCTAssertEqual(buried["state"], "buried", file: file, line: line)
        XCTAssertEqual(buried["pri"], "40", file: file, line: line)
        XCTAssertEqual(buried["buries"], "2", file: file, line: line)
        XCTAssertEqual(buried["releases"], "1", file: file, line: line)
        XCTAssertEqual(buried["kicks"], "1", file: file, line: line)
        XCTAssertEqual(client.stats("stats-job \(reservedID)")["state"], "ready",
                       "a job reserved when spoold stopped is ready again", file: file, line: line)
        let paused = client.stats("stats-tube \(Self.pauseTube)")
        XCTAssertEqual(paused["pause"], "\(Self.pauseSeconds)", file: file, line: line)
        let pauseLeft = Int(paused["pause-time-left"] ?? "") ?? 0
        XCTAssertTrue((1...Self.pauseSeconds).contains(pauseLeft), "pause-time-left \(pauseLeft)", file: file, line: line)
        XCTAssertEqual(client.stats("stats-tube \(Self.buryTube)")["current-jobs-buried"], "1", file: file, line: line)
        XCTAssertTrue(Set(client.list("list-tubes")).isSuperset(of: [
            "default", Self.priorityTube, Self.delayTube, Self.buryTube, Self.pauseTube, Self.reserveTube,
        ]), file: file, line: line)
        XCTAssertNil(client.peek(deletedHighestID), "a deleted job stays deleted", file: file, line: line)

        // Ids go on above the highest ever handed out, though its job is gone.
        client.use("after-restart")
        let newID = try XCTUnwrap(client.putID("after the restart"), file: file, line: line)
        XCTAssertGreaterThan(newID, deletedHighestID, "ids must never repeat", file: file, line: line)

        // Reserves hand everything out as before the restart.
        let worker = try JobClient(port: port)
        worker.watchOnly(Self.priorityTube)
        let order = (0..<prioritized.count).compactMap { _ in worker.reserve(timeout: 0) }
        XCTAssertEqual(order.map(\.id), prioritized.map(\.id), "reserve order by priority, then id", file: file, line: line)
        XCTAssertEqual(order.map(\.body), prioritized.map(\.body), file: file, line: line)
        worker.watchOnly(Self.reserveTube)
        XCTAssertEqual(worker.reserve(timeout: 0)?.id, reservedID, file: file, line: line)
        worker.watchOnly(Self.pauseTube)
        XCTAssertNil(worker.reserve(timeout: 0), "the tube is still paused", file: file, line: line)
        XCTAssertEqual(worker.lastReply, "TIMED_OUT", file: file, line: line)
        client.use(Self.buryTube)
        XCTAssertEqual(client.send("kick 1"), "KICKED 1", file: file, line: line)
        XCTAssertEqual(client.stats("stats-job \(buriedID)")["kicks"], "2", file: file, line: line)

        // The delayed job becomes ready when what was left of its delay runs out.
        worker.watchOnly(Self.delayTube)
        let ready = worker.reserve(timeout: 10)
        let readyAfter = Date().timeIntervalSince(delayedPutAt)
        XCTAssertEqual(ready?.id, delayedID, file: file, line: line)
        XCTAssertGreaterThanOrEqual(readyAfter, Self.delaySeconds - 0.05, "ready too early", file: file, line: line)
        XCTAssertLessThan(readyAfter, Self.delaySeconds + 0.9,
                          "ready too late: the delay must not start over at the restart", file: file, line: line)
    }
}
