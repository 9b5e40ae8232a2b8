import Foundation
import Logging
@testable import Systemd
import XCTest

final class JournalLogHandlerTests: XCTestCase {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    private func event(
        _ level: Logger.Level = .info,
        _ message: Logger.Message = "hello",
        metadata: Logger.Metadata? = nil,
        error: (any Error)? = nil
    ) -> LogEvent {
        LogEvent(
            level: level, message: message, error: error, metadata: metadata, source: nil,
            file: "Spool/Engine.swift", function: "put(_:)", line: 42
        )
    }

    func testFieldNamesFromMetadataKeys() {
        let names = [
            "tube": "TUBE",
            "job-id": "JOB_ID",
            "Job.ID": "JOB_ID",
            "error.message": "ERROR_MESSAGE",
            "ALREADY_OK_9": "ALREADY_OK_9",
            "_private": "X__PRIVATE",
            "9lives": "X_9LIVES",
            "größe": "GR__E",
            "": "X_",
            "message": "X_MESSAGE",
            "priority": "X_PRIORITY",
            "code_line": "X_CODE_LINE",
            "message-id": "MESSAGE_ID",
        ]
        for (key, name) in names {
            XCTAssertEqual(JournalLogHandler.fieldName(forMetadataKey: key), name, key)
        }
        let long = JournalLogHandler.fieldName(forMetadataKey: String(repeating: "k", count: 100))
        XCTAssertEqual(long, String(repeating: "K", count: 64))
    }

    func testPriorities() {
        let expected: [Logger.Level: Int] = [
            .trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2,
        ]
        for level in Logger.Level.allCases {
            XCTAssertEqual(JournalLogHandler.priority(of: level), expected[level], "\(level)")
        }
    }

    func testEntryFields() {
        let handler = JournalLogHandler(label: "spool.engine", identifier: "spoold", metadataProvider: nil)
        XCTAssertEqual(handler.entry(for: event(.warning, "queue \"emails\" is paused")), [
            JournalField(name: "MESSAGE", value: "queue \"emails\" is paused"),
            JournalField(name: "PRIORITY", value: "4"),
            JournalField(name: "SYSLOG_IDENTIFIER", value: "spoold"),
            JournalField(name: "LOGGER_LABEL", value: "spool.engine"),
            JournalField(name: "CODE_FILE", value: "Spool/Engine.swift"),
            JournalField(name: "CODE_LINE", value: "42"),
            JournalField(name: "CODE_FUNC", value: "put(_:)"),
        ])
    }

    func testMetadataMergedCallWinsSortedByName() {
        let provider = Logger.MetadataProvider { ["request": "r1", "tube": "from-provider"] }
        var handler = JournalLogHandler(label: "l", identifier: "i", metadataProvider: provider)
        handler[metadataKey: "tube"] = "from-handler"
        handler[metadataKey: "node"] = "n1"
        handler[metadataKey: "job-id"] = "from-handler"
        let fields = handler.entry(for: event(metadata: ["job-id": .stringConvertible(7), "body": "line one\nline two\n"]))
        XCTAssertEqual(Array(fields.dropFirst(7)), [
            JournalField(name: "BODY", value: "line one\nline two\n"),
            JournalField(name: "JOB_ID", value: "7"),
            JournalField(name: "NODE", value: "n1"),
            JournalField(name: "REQUEST", value: "r1"),
            JournalField(name: "TUBE", value: "from-provider"),
        ])
    }

    func testStructuredMetadataAndErrors() {
        let handler = JournalLogHandler(label: "l", identifier: "i", metadataProvider: nil)
        let fields = handler.entry(for: event(.error, "commit failed", metadata: ["ids": ["1", "2"]], error: Failure()))
        XCTAssertEqual(fields[1], JournalField(name: "PRIORITY", value: "3"))
        XCTAssertEqual(Array(fields.dropFirst(7)), [
            JournalField(name: "ERROR_MESSAGE", value: "disk full"),
            JournalField(name: "ERROR_TYPE", value: "SystemdTests.JournalLogHandlerTests.Failure"),
            JournalField(name: "IDS", value: "[1, 2]"),
        ])
    }

    func testMetadataIsAValuePerLogger() {
        var first = Logger(label: "l") { JournalLogHandler(label: $0, identifier: "i") }
        first[metadataKey: "only-on"] = "first"
        var second = first
        second[metadataKey: "only-on"] = "second"
        second.logLevel = .error
        XCTAssertEqual(first[metadataKey: "only-on"], "first")
        XCTAssertEqual(first.logLevel, .info)
        XCTAssertEqual(second[metadataKey: "only-on"], "second")
    }

    /// The example with its standard error marked as the journal
    /// (`JOURNAL_STREAM`), in a private mount namespace whose
    /// `/run/systemd/journal/socket` is the test's own datagram socket: the
    /// entry arrives in journald's native protocol.
    func testEntryReachesTheJournalSocket() throws {
        guard getuid() == 0 else { return XCTFail("a private mount namespace needs root: run the tests as root, as CI does") }
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let journal = try DatagramListener(path: directory + "/journal.sock")
        let errors = Pipe()
        var pipeStatus = stat()
        XCTAssertEqual(fstat(errors.fileHandleForWriting.fileDescriptor, &pipeStatus), 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = [
            "--mount", "--propagation", "private", "/bin/sh", "-c",
            """
            mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && touch /run/systemd/journal/socket \
            && mount --bind "$1" /run/systemd/journal/socket && exec "$2"
            """,
            "sh", journal.path, TestEnvironment.example.path,
        ]
        process.environment = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "JOURNAL_STREAM": "\(pipeStatus.st_dev):\(pipeStatus.st_ino)",
        ]
        process.standardError = errors
        let stderr = PipeReader(errors)
        try process.run()
        stderr.readToEnd()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, stderr.text)
        XCTAssertEqual(stderr.text, "", "nothing falls back to standard error")
        let entry = try XCTUnwrap(journal.receive(), stderr.text).text
        let lines = entry.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(Array(lines.prefix(4)), [
            "MESSAGE=ready", "PRIORITY=6", "SYSLOG_IDENTIFIER=systemd-notify-example", "LOGGER_LABEL=example",
        ])
        XCTAssertEqual(lines.filter { $0.hasPrefix("CODE_FILE=") }, ["CODE_FILE=systemd_notify_example/main.swift"])
        XCTAssertEqual(lines.suffix(2), ["SOCKET_COUNT=0", ""], "every field ends with a newline")
    }
}
