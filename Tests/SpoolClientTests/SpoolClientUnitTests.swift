import NIOCore
import SpoolProtocol
import XCTest

@testable import SpoolClient

/// The client's pure parts, without a server: reply mapping, endpoints, the
/// backoff, session restoring, YAML documents and argument checks.
final class SpoolClientUnitTests: XCTestCase {
    // MARK: ReconnectPolicy

    func testDelayLiesBetweenHalfTheCappedBaseAndTheBase() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(5), multiplier: 2, maximumAttempts: nil)
        for jitter in [0, 0.1, 0.5, 0.999, 1] {
            var previous = Duration.zero
            for attempt in 2...200 {
                let base = min(Duration.milliseconds(100) * (1 << min(attempt - 2, 40)), .seconds(5))
                let delay = policy.delay(beforeAttempt: attempt, jitter: jitter)
                XCTAssertGreaterThanOrEqual(delay, base / 2, "attempt \(attempt), jitter \(jitter)")
                XCTAssertLessThanOrEqual(delay, base, "attempt \(attempt), jitter \(jitter)")
                XCTAssertGreaterThanOrEqual(delay, previous, "never shrinks for one jitter")
                previous = delay
            }
        }
        XCTAssertEqual(policy.delay(beforeAttempt: 2, jitter: 0), .milliseconds(50))
        XCTAssertEqual(policy.delay(beforeAttempt: 2, jitter: 1), .milliseconds(100))
        XCTAssertEqual(policy.delay(beforeAttempt: 4, jitter: 0.5), .milliseconds(300))
        XCTAssertEqual(policy.delay(beforeAttempt: 100, jitter: 1), .seconds(5), "capped")
    }

    func testDelayIsZeroForTheFirstAttemptAndClampsItsInputs() {
        let policy = ReconnectPolicy.standard
        XCTAssertEqual(policy.delay(beforeAttempt: 1, jitter: 1), .zero)
        XCTAssertEqual(policy.delay(beforeAttempt: 0, jitter: 1), .zero)
        XCTAssertEqual(policy.delay(beforeAttempt: -5, jitter: 1), .zero)
        XCTAssertEqual(policy.delay(beforeAttempt: 3, jitter: -3), policy.delay(beforeAttempt: 3, jitter: 0))
        XCTAssertEqual(policy.delay(beforeAttempt: 3, jitter: 7), policy.delay(beforeAttempt: 3, jitter: 1))
        XCTAssertEqual(policy.delay(beforeAttempt: 3, jitter: .nan), policy.delay(beforeAttempt: 3, jitter: 0))
        let huge = ReconnectPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(Int64.max), multiplier: 1e300, maximumAttempts: nil)
        XCTAssertGreaterThan(huge.delay(beforeAttempt: Int.max, jitter: 1), .seconds(1_000_000_000), "no overflow, no crash")
        let flat = ReconnectPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(60), multiplier: 1, maximumAttempts: 3)
        XCTAssertEqual(flat.delay(beforeAttempt: 50, jitter: 1), .seconds(2))
        XCTAssertEqual(ReconnectPolicy(initialDelay: .zero).delay(beforeAttempt: 9, jitter: 1), .zero)
    }

    func testPolicyAttempts() {
        XCTAssertEqual(ReconnectPolicy.never.maximumAttempts, 1)
        XCTAssertTrue(ReconnectPolicy.never.allows(attempt: 1))
        XCTAssertFalse(ReconnectPolicy.never.allows(attempt: 2))
        XCTAssertEqual(ReconnectPolicy.standard, ReconnectPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(5),
                                                                 multiplier: 2, maximumAttempts: 10))
        XCTAssertTrue(ReconnectPolicy(maximumAttempts: nil).allows(attempt: 1_000_000))
        XCTAssertFalse(ReconnectPolicy(maximumAttempts: 0).allows(attempt: 2), "below 1 counts as 1")
    }

    // MARK: Reply mapping

    func testErrorRepliesMapToTheirCases() {
        let expected: [(Reply.Word, SpoolClientError)] = [
            (.outOfMemory, .outOfMemory), (.internalError, .internalError), (.badFormat, .badFormat),
            (.unknownCommand, .unknownCommand), (.expectedCRLF, .expectedCRLF), (.jobTooBig, .jobTooBig),
            (.draining, .draining), (.notFound, .notFound), (.deadlineSoon, .deadlineSoon), (.notIgnored, .notIgnored),
        ]
        for (word, error) in expected {
            XCTAssertEqual(ReceivedReply.reply(.word(word)).failure, error)
        }
        XCTAssertEqual(ReceivedReply.reply(.buriedOnPut(42)).failure, .buried(id: 42))
        XCTAssertEqual(ReceivedReply.reply(.word(.timedOut)).failure, .unexpectedReply("TIMED_OUT"))
        XCTAssertEqual(ReceivedReply.reply(.inserted(5)).failure, .unexpectedReply("INSERTED 5"))
        XCTAssertEqual(ReceivedReply.reply(.found(id: 5, body: ByteBuffer(string: "x"))).failure, .unexpectedReply("FOUND 5 1"))
        XCTAssertEqual(ReceivedReply.unrecognized("HELLO THERE").failure, .unexpectedReply("HELLO THERE"))
    }

    func testErrorDescriptionsNameTheReply() {
        XCTAssertEqual(SpoolClientError.jobTooBig.description, "the job is bigger than the server's maximum job size (JOB_TOO_BIG)")
        XCTAssertEqual(SpoolClientError.buried(id: 3).description, "the server buried job 3 (BURIED)")
        XCTAssertEqual(SpoolClientError.connectionFailed("cannot connect to unix:/x: No such file or directory").description,
                       "cannot connect to unix:/x: No such file or directory")
    }

    // MARK: Arguments

    func testDurationsBecomeWholeSecondsRoundedUp() throws {
        XCTAssertEqual(try ProtocolArguments.seconds(.zero, of: "delay"), 0)
        XCTAssertEqual(try ProtocolArguments.seconds(.nanoseconds(1), of: "delay"), 1)
        XCTAssertEqual(try ProtocolArguments.seconds(.seconds(1), of: "delay"), 1)
        XCTAssertEqual(try ProtocolArguments.seconds(.milliseconds(1001), of: "delay"), 2)
        XCTAssertEqual(try ProtocolArguments.seconds(.zero, of: "TTR", minimum: 1), 1)
        XCTAssertEqual(try ProtocolArguments.seconds(.seconds(Int64(UInt32.max)), of: "delay"), UInt32.max)
        XCTAssertEqual(try ProtocolArguments.timeout(.milliseconds(300)), 1)
        XCTAssertThrowsError(try ProtocolArguments.seconds(.milliseconds(-1), of: "delay")) { error in
            XCTAssertEqual(error as? SpoolClientError, .invalidArgument("delay -0.001 seconds is negative"))
        }
        XCTAssertThrowsError(try ProtocolArguments.seconds(.seconds(Int64(UInt32.max)) + .nanoseconds(1), of: "delay"))
        XCTAssertThrowsError(try ProtocolArguments.timeout(.seconds(Int64(Int32.max) + 1)))
        XCTAssertThrowsError(try ProtocolArguments.bound(-1))
        XCTAssertEqual(try ProtocolArguments.bound(Int(UInt32.max)), UInt32.max)
    }

    func testTubeNamesAreCheckedBeforeSending() {
        for bad in ["", "-lead", "has space", "new\nline", String(repeating: "t", count: 201), "ünï"] {
            XCTAssertThrowsError(try ProtocolArguments.tube(bad), bad) { error in
                guard case .invalidArgument(let message) = error as? SpoolClientError else { return XCTFail("\(error)") }
                XCTAssertTrue(message.hasPrefix("invalid tube name"), message)
            }
        }
        XCTAssertNoThrow(try ProtocolArguments.tube("a-b+c/d;e.f$g_h(i)" + String(repeating: "t", count: 182)))
    }

    // MARK: Endpoint

    func testEndpointParsing() throws {
        let good: [(String, Endpoint, String)] = [
            ("unix:/run/spool/spool.sock", .unix(path: "/run/spool/spool.sock"), "unix:/run/spool/spool.sock"),
            ("/tmp/spool.sock", .unix(path: "/tmp/spool.sock"), "unix:/tmp/spool.sock"),
            ("unix:relative.sock", .unix(path: "relative.sock"), "unix:relative.sock"),
            ("tcp:127.0.0.1:11300", .tcp(host: "127.0.0.1", port: 11300), "tcp:127.0.0.1:11300"),
            ("localhost:1", .tcp(host: "localhost", port: 1), "tcp:localhost:1"),
            ("tcp:[::1]:65535", .tcp(host: "::1", port: 65535), "tcp:[::1]:65535"),
            ("[fe80::1]:80", .tcp(host: "fe80::1", port: 80), "tcp:[fe80::1]:80"),
        ]
        for (text, endpoint, description) in good {
            XCTAssertEqual(try Endpoint(parsing: text), endpoint, text)
            XCTAssertEqual(endpoint.description, description)
            XCTAssertEqual(try Endpoint(parsing: description), endpoint, "the description parses back")
        }
        for bad in ["", "unix:", "tcp:", "localhost", "tcp:host", ":11300", "host:", "host:0", "host:65536", "host:+80",
                    "host:8o", "::1:80", "[::1]80", "[::1", "relative/path.sock"] {
            XCTAssertThrowsError(try Endpoint(parsing: bad), bad) { error in
                guard case .invalidArgument(let message) = error as? SpoolClientError else { return XCTFail("\(error)") }
                XCTAssertTrue(message.hasPrefix("invalid endpoint \"\(bad)\""), message)
            }
        }
    }

    // MARK: Session, documents, jobs

    func testSessionRestoresUseWatchesAndIgnore() {
        var session = SessionState()
        XCTAssertEqual(session.restoringCommands, [], "a fresh connection is already there")
        session.ignore("default")
        XCTAssertEqual(session.watched, ["default"], "the last watched tube stays, as NOT_IGNORED says")
        session.use("out")
        session.watch("a")
        session.watch("b")
        session.watch("a")
        session.ignore("default")
        session.ignore("never-watched")
        XCTAssertEqual(session.restoringCommands, [.use(tube: "out"), .watch(tube: "a"), .watch(tube: "b"), .ignore(tube: "default")])
        session.use("default")
        session.watch("default")
        session.ignore("a")
        XCTAssertEqual(session.restoringCommands, [.watch(tube: "b")])
    }

    func testStatisticsKeepTheServersOrderAndUnquoteValues() {
        let document = "---\nid: 7\ntube: \"a\\\"b\"\nversion: \"1.12\"\nreason: \"exit status 1: \\\"no\\\"\\n\\x01\\u00e9\"\nempty: \n"
        let statistics = Statistics(entries: YAMLReader.mapping(Array(document.utf8)))
        XCTAssertEqual(statistics.entries.map(\.key), ["id", "tube", "version", "reason", "empty"])
        XCTAssertEqual(statistics["id"], "7")
        XCTAssertEqual(statistics["tube"], "a\"b")
        XCTAssertEqual(statistics["version"], "1.12")
        XCTAssertEqual(statistics["reason"], "exit status 1: \"no\"\n\u{01}é")
        XCTAssertEqual(statistics["empty"], "")
        XCTAssertNil(statistics["missing"])
        XCTAssertEqual(statistics.map(\.value).first, "7", "iterates in order")
        let same = Statistics(entries: statistics.entries)
        let reordered = Statistics(entries: statistics.entries.reversed())
        XCTAssertEqual(same, statistics)
        XCTAssertEqual(same.hashValue, statistics.hashValue)
        XCTAssertNotEqual(reordered, statistics, "order is part of the value")
        XCTAssertEqual(YAMLReader.list(Array("---\n- default\n- a(b)\n".utf8)), ["default", "a(b)"])
    }

    func testJobText() {
        XCTAssertEqual(Job(id: 1, body: Array("héllo".utf8)).text, "héllo")
        XCTAssertEqual(Job(id: 1, body: []).text, "")
        XCTAssertNil(Job(id: 1, body: [0x68, 0xff]).text)
        XCTAssertNil(Job(id: 1, body: [0xc3]).text)
    }
}
