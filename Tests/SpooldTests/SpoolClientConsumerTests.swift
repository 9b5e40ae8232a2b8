import Foundation
import SpoolTestSupport
import XCTest

@testable import SpoolClient

/// `Consumer` against a real spoold and a real beanstalkd: dispositions,
/// failures, graceful cancellation (while a handler runs and while idle)
/// and a reservation lost to a server crash.
final class SpoolClientConsumerTests: SpoolClientTestCase {
    private struct HandlerFailure: Error {}

    /// Each disposition is applied; a handler that throws has its job
    /// released with the failure delay at its own priority; jobs of tubes
    /// the consumer does not watch (`default`) are left alone.
    func testConsumerAppliesEachDisposition() async throws {
        try await onEachServer { server in
            let checker = try server.jobClient()
            let other = try XCTUnwrap(checker.putID("not watched"))
            checker.use("work")
            var ids: [String: UInt64] = [:]
            for body in ["delete-1", "delete-2", "delete-3", "release", "bury"] {
                ids[body] = try XCTUnwrap(checker.putID(body, priority: 20))
            }
            ids["throw"] = try XCTUnwrap(checker.putID("throw", priority: 55))
            let seen = Recorder<String>()
            let consumer = Consumer(server.endpoint, tubes: ["work"], configuration: .init(reconnect: .never),
                                    failureDelay: .seconds(100))
            let running = Task {
                try await consumer.run { job in
                    let text = job.text ?? ""
                    seen.append(text)
                    switch text {
                    case "release": return .release(priority: 7, delay: .seconds(100))
                    case "bury": return .bury(priority: 9)
                    case "throw": throw HandlerFailure()
                    default: return .delete
                    }
                }
            }
            try await eventually("every job handled (\(server))") {
                let tube = checker.stats("stats-tube work")
                return tube["current-jobs-delayed"] == "2" && tube["current-jobs-buried"] == "1"
                    && tube["cmd-delete"] == "3" && tube["current-jobs-reserved"] == "0"
            }
            running.cancel()
            let outcome = await outcome(of: running, within: 10)
            XCTAssertNoThrow(try outcome?.get(), "\(server)")

            XCTAssertEqual(seen.values.sorted(), ["bury", "delete-1", "delete-2", "delete-3", "release", "throw"], "\(server)")
            let released = checker.stats("stats-job \(ids["release"]!)")
            XCTAssertEqual(released["state"], "delayed", "\(server)")
            XCTAssertEqual(released["pri"], "7", "\(server)")
            XCTAssertEqual(released["delay"], "100", "\(server)")
            let failed = checker.stats("stats-job \(ids["throw"]!)")
            XCTAssertEqual(failed["state"], "delayed", "\(server)")
            XCTAssertEqual(failed["pri"], "55", "a failed job keeps its priority (\(server))")
            XCTAssertEqual(failed["delay"], "100", "the failure delay (\(server))")
            let buried = checker.stats("stats-job \(ids["bury"]!)")
            XCTAssertEqual(buried["state"], "buried", "\(server)")
            XCTAssertEqual(buried["pri"], "9", "\(server)")
            XCTAssertEqual(checker.stats("stats-job \(other)")["state"], "ready", "default is ignored (\(server))")
        }
    }

    /// Listing `default` among the tubes keeps it watched.
    func testConsumerWatchesDefaultWhenListed() async throws {
        try await onEachServer { server in
            let checker = try server.jobClient()
            let id = try XCTUnwrap(checker.putID("in default"))
            let consumer = Consumer(server.endpoint, tubes: ["default", "elsewhere"], configuration: .init(reconnect: .never))
            let running = Task { try await consumer.run { _ in .delete } }
            try await eventually("the default job is deleted (\(server))") { checker.peek(id) == nil }
            running.cancel()
            let outcome = await outcome(of: running, within: 10)
            XCTAssertNoThrow(try outcome?.get(), "\(server)")
        }
    }

    /// Cancelled while its handler runs, the consumer lets the handler see
    /// the cancellation, applies its disposition, and returns without
    /// taking another job.
    func testCancellationMidHandlerFinishesTheJob() async throws {
        try await onEachServer { server in
            let checker = try server.jobClient()
            checker.use("mid")
            let first = try XCTUnwrap(checker.putID("first"))
            let second = try XCTUnwrap(checker.putID("second"))
            let started = Recorder<UInt64>()
            let sawCancellation = Recorder<Bool>()
            let consumer = Consumer(server.endpoint, tubes: ["mid"], configuration: .init(reconnect: .never))
            let running = Task {
                try await consumer.run { job in
                    started.append(job.id)
                    try? await Task.sleep(for: .seconds(60))
                    sawCancellation.append(Task.isCancelled)
                    return .delete
                }
            }
            try await eventually("the handler runs (\(server))") { !started.values.isEmpty }
            running.cancel()
            let outcome = await outcome(of: running, within: 10)
            XCTAssertNoThrow(try outcome?.get(), "\(server)")
            XCTAssertEqual(started.values, [first], "\(server)")
            XCTAssertEqual(sawCancellation.values, [true], "\(server)")
            XCTAssertNil(checker.peek(first), "the disposition was applied (\(server))")
            XCTAssertEqual(checker.stats("stats-job \(second)")["state"], "ready", "\(server)")
        }
    }

    /// A handler that ends by throwing `CancellationError` did not fail: its
    /// job is released at once, at its own priority, not after the failure delay.
    func testHandlerCancelledByThrowingReleasesItsJobAtOnce() async throws {
        try await onEachServer { server in
            let checker = try server.jobClient()
            checker.use("interrupted")
            let id = try XCTUnwrap(checker.putID("interrupted", priority: 33))
            let started = Recorder<UInt64>()
            let consumer = Consumer(server.endpoint, tubes: ["interrupted"], configuration: .init(reconnect: .never),
                                    failureDelay: .seconds(100))
            let running = Task {
                try await consumer.run { job in
                    started.append(job.id)
                    try await Task.sleep(for: .seconds(60))
                    return .delete
                }
            }
            try await eventually("the handler runs (\(server))") { started.values == [id] }
            running.cancel()
            let outcome = await outcome(of: running, within: 10)
            XCTAssertNoThrow(try outcome?.get(), "\(server)")
            let stats = checker.stats("stats-job \(id)")
            XCTAssertEqual(stats["state"], "ready", "\(server)")
            XCTAssertEqual(stats["pri"], "33", "\(server)")
            XCTAssertEqual(stats["releases"], "1", "\(server)")
        }
    }

    /// Cancelled while it waits for a job, the consumer returns at once and
    /// closes its connection; jobs put afterwards stay ready.
    func testCancellationWhileIdleReturnsPromptlyAndLosesNothing() async throws {
        try await onEachServer { server in
            let checker = try server.jobClient()
            let handled = Recorder<UInt64>()
            let consumer = Consumer(server.endpoint, tubes: ["idle"], configuration: .init(reconnect: .never))
            let running = Task {
                try await consumer.run { job in
                    handled.append(job.id)
                    return .delete
                }
            }
            try await eventually("the consumer waits (\(server))") { checker.stats("stats")["current-waiting"] == "1" }
            running.cancel()
            let outcome = await outcome(of: running, within: 2)
            XCTAssertNoThrow(try outcome?.get(), "\(server)")
            try await eventually("its connection is closed (\(server))") { checker.stats("stats")["current-connections"] == "1" }
            checker.use("idle")
            let id = try XCTUnwrap(checker.putID("after"))
            XCTAssertEqual(checker.stats("stats-job \(id)")["state"], "ready", "\(server)")
            XCTAssertEqual(checker.stats("stats-tube idle")["current-jobs-reserved"], "0", "\(server)")
            XCTAssertEqual(handled.values, [], "\(server)")
        }
    }

    /// The server crashes while a handler runs and comes back on the same
    /// port: the handler's release answers NOT_FOUND on the new connection,
    /// which does not stop the consumer; it reconnects with its watch list
    /// and goes on (spoold hands the recovered job out again).
    func testConsumerSurvivesACrashAndALostReservation() async throws {
        try await onEachServer { server in
            var checker = try server.jobClient()
            checker.use("lost")
            let first = try XCTUnwrap(checker.putID("first"))
            let handled = Recorder<UInt64>()
            let gate = SpoolClientGate()
            let consumer = Consumer(server.endpoint, tubes: ["lost"], configuration: .init(reconnect: .standard))
            let running = Task {
                try await consumer.run { job in
                    handled.append(job.id)
                    guard handled.values.count == 1 else { return .delete }
                    await gate.wait()
                    return .release(priority: 1, delay: .zero)
                }
            }
            try await eventually("the handler runs (\(server))") { handled.values == [first] }
            try server.restart()
            gate.open()
            checker = try server.jobClient()
            checker.use("lost")
            let second = try XCTUnwrap(checker.putID("second"))
            try await eventually("the consumer goes on (\(server))") { handled.values.last == second }
            try await eventually("every job is done (\(server))") { checker.stats("stats-tube lost")["current-jobs-ready"] == "0" }
            let expected = server.kind == .spoold ? [first, first, second] : [first, second]
            XCTAssertEqual(handled.values, expected, "\(server)")
            running.cancel()
            let outcome = await outcome(of: running, within: 10)
            XCTAssertNoThrow(try outcome?.get(), "\(server)")
        }
    }

}

/// Holds back whoever waits on it until it is opened.
final class SpoolClientGate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = lock.withLock {
                if !isOpen { waiting.append(continuation) }
                return isOpen
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let released = lock.withLock {
            isOpen = true
            defer { waiting = [] }
            return waiting
        }
        for continuation in released { continuation.resume() }
    }
}
