import SpoolEngineHost
@testable import SpoolPool
import XCTest

#if canImport(Glibc)
import Glibc
#endif

@testable import SpoolCore
@testable import SpoolMetrics

final class SpoolMetricFamiliesTests: XCTestCase {
    private func metrics(tubes: [TubeStats], activity: [TubeActivity]) -> EngineMetrics {
        EngineMetrics(
            queue: QueueSnapshot(
                isProcessing: true, isDraining: false, stats: .empty,
                tubes: Dictionary(uniqueKeysWithValues: tubes.map { ($0.name, $0) }), tubeNames: tubes.map(\.name)),
            commands: CommandCounters(), durability: "always", storeCondition: .full, tubeActivity: activity, commits: nil)
    }

    func testTubesPastTheObservedOnesAreSummedUnderOneLabel() {
        var alpha = TubeStats(name: "alpha")
        alpha.ready = 2
        var beta = TubeStats(name: "beta")
        beta.ready = 3
        beta.buried = 1
        var gamma = TubeStats(name: "gamma")
        gamma.ready = 4
        let text = SpoolMetricFamilies.exposition(
            metrics(tubes: [alpha, beta, gamma], activity: [TubeActivity(tube: nil), TubeActivity(tube: "alpha")]),
            pools: [], process: nil, format: .prometheus)
        XCTAssertTrue(text.contains("spool_jobs{tube=\"alpha\",state=\"ready\"} 2\n"), text)
        XCTAssertTrue(text.contains("spool_jobs{tube=\"(other tubes)\",state=\"ready\"} 7\n"), text)
        XCTAssertTrue(text.contains("spool_jobs{tube=\"(other tubes)\",state=\"buried\"} 1\n"), text)
        XCTAssertFalse(text.contains("tube=\"beta\""), text)
        XCTAssertTrue(text.contains("spool_store_condition{condition=\"full\"} 1\n"), text)
        XCTAssertTrue(text.contains("spool_store_condition{condition=\"healthy\"} 0\n"), text)
        XCTAssertFalse(text.contains("spool_store_commit_seconds"), "no commit histograms for a store without commits")
    }

    func testPoolAttemptsAreSplitByOutcome() {
        let pool = PoolStatus(
            tube: "mail", file: "/etc/spool/queues.d/mail.queue", isRunning: true, workers: 4, busy: 1, idle: 3,
            attempts: 10, failures: 4, buried: 1, averageRunTime: .milliseconds(20))
        let text = SpoolMetricFamilies.exposition(metrics(tubes: [], activity: []), pools: [pool], process: nil, format: .prometheus)
        XCTAssertTrue(text.contains("spool_pool_attempts_total{tube=\"mail\",outcome=\"succeeded\"} 6\n"), text)
        XCTAssertTrue(text.contains("spool_pool_attempts_total{tube=\"mail\",outcome=\"retried\"} 3\n"), text)
        XCTAssertTrue(text.contains("spool_pool_attempts_total{tube=\"mail\",outcome=\"buried\"} 1\n"), text)
        XCTAssertTrue(text.contains("spool_pool_workers{tube=\"mail\",state=\"busy\"} 1\n"), text)
    }

    func testProcessMetricsAreReadFromProc() throws {
        let process = try XCTUnwrap(ProcessMetrics.current())
        XCTAssertGreaterThan(process.residentBytes, 1_000_000)
        XCTAssertGreaterThan(process.openFileDescriptors, 2)
        XCTAssertGreaterThan(process.startTime, 1_600_000_000)
        XCTAssertGreaterThanOrEqual(process.maximumFileDescriptors, process.openFileDescriptors)
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        XCTAssertEqual(process.maximumFileDescriptors, Double(limit.rlim_cur), "the soft limit")
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        XCTAssertLessThanOrEqual(process.startTime, Double(now.tv_sec) + 1, "the test process started before now")
        XCTAssertGreaterThan(process.startTime, Double(now.tv_sec) - 3600, "and within the hour the tests take")
    }
}
