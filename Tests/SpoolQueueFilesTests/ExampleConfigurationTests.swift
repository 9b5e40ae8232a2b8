import ProcessSupervisor
import Foundation
import SpoolQueueFiles
import XCTest

/// `Examples/queues.d/thumbnails.conf`, shipped as the reference of the format, parses as it says.
final class ExampleConfigurationTests: XCTestCase {
    private let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../Examples/queues.d/thumbnails.conf"
    ).standardized.path

    func testTheShippedExampleParses() throws {
        let queue = try QueueConfiguration(parsing: String(contentsOfFile: path, encoding: .utf8), path: path)
        XCTAssertEqual(queue.tube, "thumbnails")
        XCTAssertEqual(
            queue.arguments,
            ["/usr/local/bin/make-thumbnail", "--sizes", "64 128 256", "--output", "/var/cache/thumbnails"])
        XCTAssertEqual(queue.workers, 4)
        XCTAssertEqual(queue.timeout, .seconds(120))
        XCTAssertEqual(queue.maxAttempts, 3)
        XCTAssertEqual(queue.backoff, Backoff(minimum: .seconds(2), maximum: .seconds(600)))
        XCTAssertEqual(queue.agingAfter, .seconds(900))
        XCTAssertEqual(queue.user, "thumbnailer")
        XCTAssertEqual(queue.group, "www-data")
        XCTAssertEqual(
            queue.environment,
            ["LANG": "C.UTF-8", "MAGICK_TMPDIR": "/var/cache/thumbnails/scratch space", "MAGICK_THREAD_LIMIT": "1"])
        XCTAssertEqual(queue.workingDirectory, "/var/cache/thumbnails")
        XCTAssertEqual(queue.limits.addressSpace, .limited(2 << 30))
        XCTAssertEqual(queue.limits.openFiles, .limited(256))
        XCTAssertEqual(queue.limits.cpuSeconds, .limited(90))
        XCTAssertEqual(queue.limits.processes, .limited(64))
        XCTAssertEqual(queue.sandbox.systemCallFilter, [["@system-service"], ["~@privileged"]])
        XCTAssertEqual(queue.sandbox.readWritePaths, ["/var/cache/thumbnails"])
        XCTAssertEqual(queue.sandbox.inaccessiblePaths, ["-/home", "-/root"])
        XCTAssertTrue(queue.sandbox.privateNetwork && queue.sandbox.privateTmp)
        XCTAssertEqual(queue.cgroupLimits, CgroupLimits(memoryMax: 512 << 20, tasksMax: 32, cpuQuotaPercent: 50))
    }

    func testTheExampleDirectoryLoadsWithoutErrors() {
        let (queues, errors) = QueueDirectory.load(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(queues.map(\.tube), ["thumbnails"])
    }
}
