import NIOCore
import SpoolProtocol
import XCTest

@testable import SpoolClient

/// The client's pure parts, without a server: the reply decoder, reply
/// mapping, command encoding, endpoints, the backoff, session restoring,
/// YAML documents and argument checks.
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

    // MARK: Reply decoder

    /// Every kind of reply, written by SpoolProtocol's server side, is read
    /// back the same, whole or fed one byte at a time.
    func testDecoderReadsBackEveryReplyWholeAndByteByByte() throws {
        let replies: [Reply] = [
            .inserted(1), .inserted(UInt64.max), .buriedOnPut(7), .using("a-b+c/d;e.f$g_h(i)"),
            .reserved(id: 3, body: ByteBuffer(string: "hello")),
            .reserved(id: 4, body: ByteBuffer(string: "line\r\nRESERVED 9 2\r\nno\r\n")),
            .reserved(id: 5, body: ByteBuffer()),
            .found(id: 6, body: ByteBuffer(bytes: [0, 13, 10, 255, 13])),
            .ok(ByteBuffer(string: "---\nid: 6\nstate: ready\n")),
            .watching(2), .kicked(0), .kicked(UInt32.max),
        ] + [Reply.Word.deadlineSoon, .timedOut, .deleted, .notFound, .released, .buried, .touched, .notIgnored,
             .kicked, .paused, .draining, .outOfMemory, .internalError, .badFormat, .unknownCommand,
             .expectedCRLF, .jobTooBig].map(Reply.word)
        var stream = ByteBuffer()
        for reply in replies { reply.write(to: &stream) }

        var whole = stream
        var decoded: [ReceivedReply] = []
        while let reply = try ReplyDecoder.next(from: &whole) { decoded.append(reply) }
        XCTAssertEqual(decoded, replies.map(ReceivedReply.reply))
        XCTAssertEqual(whole.readableBytes, 0)

        var trickle = ByteBuffer()
        decoded = []
        for byte in stream.readableBytesView {
            trickle.writeInteger(byte)
            let before = trickle.readableBytes
            if let reply = try ReplyDecoder.next(from: &trickle) {
                decoded.append(reply)
                XCTAssertEqual(trickle.readableBytes, 0, "a reply is read only once its last byte is there")
            } else {
                XCTAssertEqual(trickle.readableBytes, before, "nothing is consumed from a partial reply")
            }
        }
        XCTAssertEqual(decoded, replies.map(ReceivedReply.reply))
    }

    func testDecoderKeepsUnknownLinesForTheirCommand() throws {
        for line in ["HELLO", "INSERTED abc", "INSERTED +5", "INSERTED", "WATCHING 1 2", "USING", "BURIED 1 2", ""] {
            var buffer = ByteBuffer(string: line + "\r\nDELETED\r\n")
            XCTAssertEqual(try ReplyDecoder.next(from: &buffer), .unrecognized(line))
            XCTAssertEqual(try ReplyDecoder.next(from: &buffer), .reply(.word(.deleted)), "the stream goes on after \(line)")
        }
    }

    /// A line is bounded: 224 bytes without a line end is an error at once,
    /// not a reason to buffer more; 223 bytes may still become a reply.
    func testDecoderRejectsAnOversizedLine() throws {
        var short = ByteBuffer(string: String(repeating: "x", count: 223))
        XCTAssertNil(try ReplyDecoder.next(from: &short))
        var long = ByteBuffer(string: String(repeating: "x", count: 224))
        XCTAssertThrowsError(try ReplyDecoder.next(from: &long)) { error in
            XCTAssertEqual(error as? ReplyDecodingError, .lineTooLong(limit: 224))
        }
        var flood = ByteBuffer(string: String(repeating: "x", count: 1_000_000) + "\r\n")
        XCTAssertThrowsError(try ReplyDecoder.next(from: &flood))
        var longest = ByteBuffer(string: "USING " + String(repeating: "t", count: 200) + "\r\n")
        XCTAssertEqual(try ReplyDecoder.next(from: &longest), .reply(.using(String(repeating: "t", count: 200))))
    }

    func testDecoderRejectsMalformedFraming() {
        let cases: [(String, ReplyDecodingError)] = [
            ("DELETED\n", .bareLineFeed),
            ("\n", .bareLineFeed),
            ("RESERVED x 5\r\nhello\r\n", .malformedHeader("RESERVED x 5")),
            ("RESERVED 1\r\n", .malformedHeader("RESERVED 1")),
            ("FOUND 1 -2\r\n", .malformedHeader("FOUND 1 -2")),
            ("OK\r\n", .malformedHeader("OK")),
            ("OK 99999999999999999999999\r\n", .malformedHeader("OK 99999999999999999999999")),
            ("OK 1073741825\r\n", .bodyTooLong(length: 1_073_741_825, limit: 1_073_741_824)),
            ("RESERVED 1 5\r\nhelloXY", .missingCRLFAfterBody("RESERVED 1 5")),
            ("FOUND 1 0\r\n\n\r", .missingCRLFAfterBody("FOUND 1 0")),
        ]
        for (bytes, expected) in cases {
            var buffer = ByteBuffer(string: bytes)
            XCTAssertThrowsError(try ReplyDecoder.next(from: &buffer), bytes) { error in
                XCTAssertEqual(error as? ReplyDecodingError, expected, bytes)
            }
        }
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

    // MARK: Commands

    /// Every command the client encodes is parsed back by spoold's own parser as the same command.
    func testEncodedCommandsParseBackTheSame() {
        let commands: [Command] = [
            .put(priority: 0, delay: 0, ttr: 1, body: ByteBuffer(string: "")),
            .put(priority: UInt32.max, delay: UInt32.max, ttr: UInt32.max, body: ByteBuffer(string: "a\r\nb")),
            .use(tube: "emails"), .reserve, .reserveWithTimeout(seconds: 0), .reserveWithTimeout(seconds: Int32.max),
            .reserveJob(id: UInt64.max), .delete(id: 1), .release(id: 2, priority: 3, delay: 4), .bury(id: 5, priority: 6),
            .touch(id: 7), .watch(tube: "w"), .ignore(tube: "default"), .peek(id: 8), .peekReady, .peekDelayed,
            .peekBuried, .kick(bound: 9), .kickJob(id: 10), .statsJob(id: 11), .statsTube(tube: "t"), .stats,
            .listTubes, .listTubeUsed, .listTubesWatched, .pauseTube(tube: "p", delay: 12), .quit,
        ]
        var buffer = ByteBuffer()
        for command in commands { command.encode(into: &buffer) }
        var parser = CommandParser()
        var parsed: [ParsedFrame] = []
        while let frame = parser.next(&buffer) { parsed.append(frame) }
        let expected = commands.flatMap { command -> [ParsedFrame] in
            if case .put = command { return [.putStarted(bodyFits: true), .command(command)] }
            return [.command(command)]
        }
        XCTAssertEqual(parsed, expected)
        XCTAssertEqual(buffer.readableBytes, 0)
    }

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
