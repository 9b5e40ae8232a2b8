import Foundation
import SpoolQueueFiles
import XCTest

final class QueueDirectoryTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("spool-queues-\(UUID().uuidString.prefix(8))")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
    }

    private func writeQueue(_ name: String, tube: String, _ extra: String = "") throws {
        try write(name, "[Queue]\nTube=\(tube)\nExecStart=/bin/true\n\(extra)")
    }

    func testEveryConfFileIsAQueueInNameOrder() throws {
        try writeQueue("20-mail.conf", tube: "mail")
        try writeQueue("10-thumbnails.conf", tube: "thumbnails")
        try writeQueue("B.conf", tube: "upper")
        try writeQueue("a.conf", tube: "lower")
        let (queues, errors) = QueueDirectory.load(directory)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(queues.map(\.tube), ["thumbnails", "mail", "upper", "lower"])
    }

    func testOtherFilesAndDirectoriesAreSkipped() throws {
        try writeQueue("mail.conf", tube: "mail")
        try write("README", "not a queue")
        try write("mail.conf.dpkg-dist", "not a queue")
        try write("mail.conf~", "not a queue")
        try write(".mail.conf", "hidden")
        try write(".conf", "hidden")
        try FileManager.default.createDirectory(atPath: directory + "/old", withIntermediateDirectories: false)
        let (queues, errors) = QueueDirectory.load(directory)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(queues.map(\.tube), ["mail"])
    }

    func testABadFileNeverStopsTheOthers() throws {
        try writeQueue("a.conf", tube: "alpha")
        try writeQueue("b.conf", tube: "beta", "Workers=0\n")
        try write("c.conf", "[Queue]\nTube=gamma\n")
        try writeQueue("d.conf", tube: "delta")
        let (queues, errors) = QueueDirectory.load(directory + "/")
        XCTAssertEqual(queues.map(\.tube), ["alpha", "delta"])
        XCTAssertEqual(
            errors.map(\.description),
            [
                "\(directory)/b.conf:4: Workers=0: must be between 1 and 256",
                "\(directory)/c.conf: ExecStart= is missing from the [Queue] section",
            ])
    }

    func testASecondFileForATubeIsAnErrorNamingBothFiles() throws {
        try writeQueue("10-mail.conf", tube: "mail", "Workers=2\n")
        try write("20-mail-again.conf", "# the same tube\n[Queue]\nExecStart=/bin/false\nTube=mail\n")
        try writeQueue("30-other.conf", tube: "other")
        let (queues, errors) = QueueDirectory.load(directory)
        XCTAssertEqual(queues.map(\.tube), ["mail", "other"])
        XCTAssertEqual(queues.first?.workers, 2)
        XCTAssertEqual(
            errors.map(\.description),
            ["\(directory)/20-mail-again.conf:4: Tube=mail: already configured by \(directory)/10-mail.conf"])
    }

    func testABadFileDoesNotClaimItsTube() throws {
        try writeQueue("10-mail.conf", tube: "mail", "Workers=x\n")
        try writeQueue("20-mail.conf", tube: "mail")
        let (queues, errors) = QueueDirectory.load(directory)
        XCTAssertEqual(queues.map(\.tube), ["mail"])
        XCTAssertEqual(errors.map(\.description), ["\(directory)/10-mail.conf:4: Workers=x: not a whole number"])
    }

    func testInvalidUTF8IsReportedAtItsLine() throws {
        try Data("[Queue]\nTube=mail\nExecStart=/bin/echo \u{FF}".utf8.map { $0 == 0xC3 ? 0xFF : $0 })
            .write(to: URL(fileURLWithPath: directory + "/mail.conf"))
        let (queues, errors) = QueueDirectory.load(directory)
        XCTAssertEqual(queues, [])
        XCTAssertEqual(errors.map(\.description), ["\(directory)/mail.conf:3: not valid UTF-8"])
    }

    func testUnreadableAndOversizedFilesAreErrors() throws {
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/dangling.conf", withDestinationPath: directory + "/nowhere")
        try FileManager.default.createDirectory(atPath: directory + "/folder.conf", withIntermediateDirectories: false)
        try write("huge.conf", "[Queue]\n" + String(repeating: "# padding\n", count: 110_000))
        let (queues, errors) = QueueDirectory.load(directory)
        XCTAssertEqual(queues, [])
        XCTAssertEqual(
            errors.map(\.description),
            [
                "\(directory)/dangling.conf: cannot open: No such file or directory",
                "\(directory)/folder.conf: not a regular file",
                "\(directory)/huge.conf: larger than 1 MiB",
            ])
    }

    func testASymlinkedFileIsRead() throws {
        try writeQueue("mail.conf.orig", tube: "mail")
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/mail.conf", withDestinationPath: directory + "/mail.conf.orig")
        XCTAssertEqual(QueueDirectory.load(directory).queues.map(\.tube), ["mail"])
    }

    func testAMissingDirectoryConfiguresNothing() {
        let (queues, errors) = QueueDirectory.load(directory + "/absent")
        XCTAssertEqual(queues, [])
        XCTAssertEqual(errors, [])
    }

    func testADirectoryThatCannotBeListedIsAnError() throws {
        try write("file", "")
        let (queues, errors) = QueueDirectory.load(directory + "/file")
        XCTAssertEqual(queues, [])
        XCTAssertEqual(errors.map(\.description), ["\(directory)/file: cannot list the directory: Not a directory"])
    }
}
