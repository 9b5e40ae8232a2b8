import SpoolTestSupport
import Foundation
import Logging
import SpoolCore
import XCTest

@testable import SpoolStore

final class StateDirectoryTests: XCTestCase {
    func testASecondOpenOfTheSameDirectoryIsRefused() throws {
        let directory = try TestScratch.temporaryDirectory().path
        let (first, _) = try StateDirectory.open(directory, mode: .always, logger: Logger(label: "test"))
        XCTAssertThrowsError(try StateDirectory.open(directory, mode: .always, logger: Logger(label: "test"))) { error in
            XCTAssertEqual(error as? StoreError, .locked(path: directory + "/spoold.lock", owner: getpid()))
            XCTAssertTrue("\(error)".contains("in use by another spoold"))
        }
        withExtendedLifetime(first) {}
    }

    func testMissingDirectoriesAreCreatedPrivate() throws {
        let directory = try TestScratch.temporaryDirectory().path + "/a/b"
        let (opened, recovered) = try StateDirectory.open(directory, mode: .always, logger: Logger(label: "test"))
        XCTAssertEqual(recovered, RecoveredQueue())
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o700)
        XCTAssertEqual(opened.journalPath, directory + "/journal")
    }

    func testAFileWhereTheDirectoryShouldBeIsRefused() throws {
        let path = try TestScratch.temporaryDirectory().path + "/file"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        XCTAssertThrowsError(try StateDirectory.open(path, mode: .always, logger: Logger(label: "test"))) { error in
            guard case .unusableDirectory(let named, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(named, path)
        }
    }

    func testDurabilityModesParseAndPrint() {
        for text in ["always", "interval:50", "nosync", "off"] {
            XCTAssertEqual(DurabilityMode(text)?.description, text)
        }
        XCTAssertEqual(DurabilityMode("interval:50"), .interval(milliseconds: 50))
        for bad in ["", "Always", "interval:", "interval:0", "interval:-5", "interval:x", "sometimes"] {
            XCTAssertNil(DurabilityMode(bad), bad)
        }
    }
}
