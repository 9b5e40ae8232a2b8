import Foundation
import SpoolTestSupport
import XCTest

/// Handlers under their queue's cgroup limits (`MemoryMax=`, `TasksMax=`,
/// `CPUQuota=`, `CPUWeight=`), run by a real spoold in real cgroups: a
/// handler that allocates past its memory, one that forks past its tasks,
/// one that reads its own cgroup's limits, and what becomes of their jobs.
/// The tests run as root, which may make cgroups anywhere; the packaged
/// spoold gets its subtree from systemd (`Delegate=`).
final class CgroupLimitTests: XCTestCase {
    private var pool: PoolFixture!

    override func setUpWithError() throws {
        pool = try PoolFixture()
    }

    override func tearDown() {
        pool.remove()
    }

    private func queue(_ tube: String, handler: String, _ settings: [String]) throws {
        try pool.queue(tube, ["Tube=\(tube)", "ExecStart=\(handler)", "User=nobody", "MaxAttempts=1"] + settings)
    }

    func testPastMemoryMaxTheOOMKillerEndsTheHandlerWithAReason() throws {
        let handler = try pool.handler("hog.sh", """
            exec /usr/bin/python3 -c '
            chunks = []
            while True:
                chunks.append(bytearray(8 << 20))
            '
            """)
        try queue("hog", handler: handler, ["MemoryMax=48M"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let stats = try XCTUnwrap(try pool.outcome(of: "x", in: "hog", on: client))
        XCTAssertEqual(stats["state"], "buried")
        XCTAssertTrue(
            stats["reason"]?.contains("killed by the OOM killer: its memory reached MemoryMax=48M") ?? false, "\(stats)")
    }

    func testPastTasksMaxForksAreRefusedAndWhatWasStartedIsKilled() throws {
        // Each child leaves the handler's process group (setsid), so that
        // only the cgroup still knows it belongs to the attempt.
        let handler = try pool.handler("forker.sh", """
            exec /usr/bin/python3 -c '
            import os, sys, time
            for n in range(10):
                try:
                    pid = os.fork()
                except OSError as error:
                    sys.exit("fork %d: %s" % (n, error.strerror))
                if pid == 0:
                    os.setsid()
                    time.sleep(300)
                    os._exit(0)
            ' "$MARKER"
            """)
        try queue("forker", handler: handler, ["TasksMax=4"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let stats = try XCTUnwrap(try pool.outcome(of: "x", in: "forker", on: client))
        XCTAssertEqual(stats["state"], "buried")
        XCTAssertTrue(
            stats["reason"]?.contains("exit status 1 (TasksMax=4 reached: 1 fork refused): fork 3: Resource temporarily unavailable")
                ?? false, "\(stats)")
        XCTAssertEqual(ProcessTable.liveProcesses(withArgument: pool.marker), [], "the children that left the process group are killed with the attempt")
    }

    func testTheHandlerRunsInACgroupOfItsOwnWithTheQueuesLimits() throws {
        // Prints the limits of the cgroups it finds itself in (v1: one per
        // controller's hierarchy; v2: one for all), and fails to show them.
        let handler = try pool.handler("limits.sh", """
            while IFS=: read -r _ controllers path; do
                for file in memory.limit_in_bytes memory.max pids.max cpu.cfs_quota_us cpu.shares cpu.max cpu.weight; do
                    for mount in /sys/fs/cgroup/$controllers /sys/fs/cgroup; do
                        [ -f "$mount$path/$file" ] && echo "$file=$(cat "$mount$path/$file")" && break
                    done
                done
            done < /proc/self/cgroup | sort -u | tr '\\n' ' ' >&2
            exit 1
            """)
        try queue("limits", handler: handler, ["MemoryMax=64M", "TasksMax=16", "CPUQuota=20%", "CPUWeight=50"])
        let server = try pool.startSpoold()
        let client = try JobClient(port: server.port)
        let reason = try XCTUnwrap(try pool.outcome(of: "x", in: "limits", on: client)?["reason"])
        let v1 = ["memory.limit_in_bytes=67108864", "pids.max=16", "cpu.cfs_quota_us=20000", "cpu.shares=512"]
        let v2 = ["memory.max=67108864", "pids.max=16", "cpu.max=20000 100000", "cpu.weight=50"]
        XCTAssertTrue(v1.allSatisfy(reason.contains) || v2.allSatisfy(reason.contains), reason)
    }

    func testWithoutACgroupItMayManageTheLimitIsNotSilentlyDropped() throws {
        // spoold as nobody may make no cgroup: a queue that sets a limit
        // runs nothing, and says why.
        let handler = try pool.handler("tame.sh", "exit 0")
        try queue("limited", handler: handler, ["MemoryMax=64M"])
        let server = try ServerProcess.spooldAsNobody(["--queues-directory", pool.queues.path])
        let client = try JobClient(port: server.port)
        let stats = try XCTUnwrap(try pool.outcome(of: "x", in: "limited", on: client))
        XCTAssertEqual(stats["state"], "buried")
        XCTAssertTrue(
            stats["reason"]?.contains("could not start: MemoryMax= cannot be enforced: no writable memory cgroup") ?? false,
            "\(stats)")
    }
}
