import Foundation
import XCTest

/// Removes the directories ``TestScratch`` hands out once the test (or suite) that asked for
/// them has finished: after its teardown blocks and `tearDown`, so the servers and database
/// clusters living in them have stopped. Without it every run left its stores, sockets and
/// PostgreSQL clusters in `/tmp`, and the disk filled.
final class ScratchCleaner: NSObject, XCTestObservation, @unchecked Sendable {
    /// The one cleaner, registered with XCTest the first time a directory is handed out.
    static let shared: ScratchCleaner = {
        let cleaner = ScratchCleaner()
        XCTestObservationCenter.shared.addTestObserver(cleaner)
        return cleaner
    }()

    private let lock = NSLock()
    /// The test case running now, if any (by identity).
    private var runningCase: ObjectIdentifier?
    /// The suites running now, innermost last.
    private var runningSuites: [ObjectIdentifier] = []
    /// The directories each test case or suite owns.
    private var owned: [ObjectIdentifier: [URL]] = [:]
    /// Directories made when nothing was running; removed when the process exits.
    private var orphans: [URL] = []

    /// Hands `directory` to the running test case (unless `bySuite`), else to the innermost
    /// running suite.
    func track(_ directory: URL, bySuite: Bool) {
        lock.withLock {
            if let owner = (bySuite ? nil : runningCase) ?? runningSuites.last {
                owned[owner, default: []].append(directory)
            } else {
                orphans.append(directory)
            }
        }
    }

    func testSuiteWillStart(_ testSuite: XCTestSuite) {
        lock.withLock { runningSuites.append(ObjectIdentifier(testSuite)) }
    }

    func testCaseWillStart(_ testCase: XCTestCase) {
        lock.withLock { runningCase = ObjectIdentifier(testCase) }
    }

    func testCaseDidFinish(_ testCase: XCTestCase) {
        remove(owner: ObjectIdentifier(testCase)) { runningCase = nil }
    }

    func testSuiteDidFinish(_ testSuite: XCTestSuite) {
        remove(owner: ObjectIdentifier(testSuite)) { runningSuites.removeAll { $0 == ObjectIdentifier(testSuite) } }
    }

    func testBundleDidFinish(_ testBundle: Bundle) {
        let directories = lock.withLock { () -> [URL] in
            defer { orphans = [] }
            return orphans
        }
        directories.forEach { try? FileManager.default.removeItem(at: $0) }
    }

    private func remove(owner: ObjectIdentifier, andThen update: () -> Void) {
        let directories = lock.withLock { () -> [URL] in
            update()
            return owned.removeValue(forKey: owner) ?? []
        }
        directories.forEach { try? FileManager.default.removeItem(at: $0) }
    }
}
