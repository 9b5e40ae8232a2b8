import ProcessSupervisor
import SpoolQueueFiles
import XCTest

/// `MemoryMax=`, `TasksMax=`, `CPUQuota=` and `CPUWeight=`: a handler's own
/// cgroup limits, spelled as in a systemd unit.
final class CgroupKeysTests: XCTestCase {
    private let prefix = mailPath

    func testNoneByDefaultSoNoCgroup() throws {
        XCTAssertTrue(try mailQueue().cgroupLimits.isEmpty)
        XCTAssertTrue(try mailQueue("MemoryMax=infinity", "TasksMax=infinity").cgroupLimits.isEmpty)
    }

    func testValuesAsSystemdReadsThem() throws {
        let limits = try mailQueue("MemoryMax=1.5G", "TasksMax=64", "CPUQuota=250%", "CPUWeight=20").cgroupLimits
        XCTAssertEqual(limits, CgroupLimits(memoryMax: 3 << 29, tasksMax: 64, cpuQuotaPercent: 250, cpuWeight: 20))
        XCTAssertEqual(limits.controllers, [.memory, .pids, .cpu])
        XCTAssertEqual(limits.keys, "MemoryMax=, TasksMax=, CPUQuota=, CPUWeight=")
        let share = try XCTUnwrap(try mailQueue("MemoryMax=50%").cgroupLimits.memoryMax)
        let memory = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        XCTAssertEqual(Double(share), Double(memory) / 2, accuracy: Double(memory) / 100, "half the machine's memory")
    }

    func testBadValuesAreNamed() {
        XCTAssertEqual(mailFailure("MemoryMax=0"), "\(prefix):4: MemoryMax=0: must be more than 0 (or infinity)")
        XCTAssertEqual(mailFailure("MemoryMax=64Q"), "\(prefix):4: MemoryMax=64Q: unknown suffix \"Q\" (use K, M, G or T, powers of 1024)")
        XCTAssertEqual(mailFailure("MemoryMax=120%"), "\(prefix):4: MemoryMax=120%: not a whole percentage from 0% to 100%")
        XCTAssertEqual(mailFailure("MemoryMax=0%"), "\(prefix):4: MemoryMax=0%: must be more than 0% (or infinity)")
        XCTAssertEqual(mailFailure("TasksMax=0"), "\(prefix):4: TasksMax=0: not a number of tasks from 1 to 4194304, a percentage or infinity")
        XCTAssertEqual(mailFailure("TasksMax=5000000"), "\(prefix):4: TasksMax=5000000: not a number of tasks from 1 to 4194304, a percentage or infinity")
        XCTAssertEqual(mailFailure("TasksMax=0%"), "\(prefix):4: TasksMax=0%: must be more than 0% (or infinity)")
        XCTAssertEqual(mailFailure("CPUQuota=20"), "\(prefix):4: CPUQuota=20: not a percentage of one CPU above 0 (such as 20% or 200%)")
        XCTAssertEqual(mailFailure("CPUQuota=0%"), "\(prefix):4: CPUQuota=0%: not a percentage of one CPU above 0 (such as 20% or 200%)")
        XCTAssertEqual(mailFailure("CPUWeight=idle"), "\(prefix):4: CPUWeight=idle: not a weight from 1 to 10000 (100 is the default)")
    }
}
