import NIOCore
import XCTest

@testable import SpoolProtocol

final class CommandParserTests: XCTestCase {
    /// Parses `bytes` fed in one piece and returns every frame plus the bytes left over.
    private func parse(_ bytes: [UInt8], maxJobSize: Int = 65_535) -> ([ParsedFrame], Int) {
        var parser = CommandParser(maxJobSize: maxJobSize)
        var buffer = ByteBuffer(bytes: bytes)
        var frames: [ParsedFrame] = []
        while let frame = parser.next(&buffer) { frames.append(frame) }
        return (frames, buffer.readableBytes)
    }

    private func parse(_ text: String, maxJobSize: Int = 65_535) -> [ParsedFrame] {
        parse(Array(text.utf8), maxJobSize: maxJobSize).0
    }

    /// The one frame `text` gives; a put's ``ParsedFrame/putStarted(bodyFits:)``
    /// is checked and left out.
    private func frame(_ text: String) -> ParsedFrame? {
        var frames = parse(text)
        if text.hasPrefix("put "), frames.first == .putStarted(bodyFits: true) { frames.removeFirst() }
        XCTAssertEqual(frames.count, 1, "\(text.debugDescription) gave \(frames)")
        return frames.first
    }

    private func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    func testEveryWellFormedCommand() {
        let cases: [(String, Command)] = [
            ("put 1 2 3 5\r\nhello\r\n", .put(priority: 1, delay: 2, ttr: 3, body: body("hello"))),
            ("put 4294967295 4294967295 4294967295 0\r\n\r\n", .put(priority: .max, delay: .max, ttr: .max, body: body(""))),
            ("use a-b+c/d;e.f$g_h(i)\r\n", .use(tube: "a-b+c/d;e.f$g_h(i)")),
            ("reserve\r\n", .reserve),
            ("reserve-with-timeout 7\r\n", .reserveWithTimeout(seconds: 7)),
            ("reserve-job 18446744073709551615\r\n", .reserveJob(id: .max)),
            ("delete 9\r\n", .delete(id: 9)),
            ("release 9 10 11\r\n", .release(id: 9, priority: 10, delay: 11)),
            ("bury 9 10\r\n", .bury(id: 9, priority: 10)),
            ("touch 9\r\n", .touch(id: 9)),
            ("watch foo\r\n", .watch(tube: "foo")),
            ("ignore foo\r\n", .ignore(tube: "foo")),
            ("peek 9\r\n", .peek(id: 9)),
            ("peek-ready\r\n", .peekReady),
            ("peek-delayed\r\n", .peekDelayed),
            ("peek-buried\r\n", .peekBuried),
            ("kick 5\r\n", .kick(bound: 5)),
            ("kick-job 9\r\n", .kickJob(id: 9)),
            ("stats-job 9\r\n", .statsJob(id: 9)),
            ("stats-tube foo\r\n", .statsTube(tube: "foo")),
            ("stats\r\n", .stats),
            ("list-tubes\r\n", .listTubes),
            ("list-tube-used\r\n", .listTubeUsed),
            ("list-tubes-watched\r\n", .listTubesWatched),
            ("pause-tube foo 30\r\n", .pauseTube(tube: "foo", delay: 30)),
            ("quit\r\n", .quit),
        ]
        for (text, command) in cases {
            XCTAssertEqual(frame(text), .command(command), text.debugDescription)
        }
    }

    func testBeanstalkdNumberQuirks() {
        XCTAssertEqual(frame("delete  5\r\n"), .command(.delete(id: 5)), "extra spaces before a number are skipped")
        XCTAssertEqual(frame("reserve-with-timeout x\r\n"), .command(.reserveWithTimeout(seconds: 0)), "strtol reads no digits as 0")
        XCTAssertEqual(frame("reserve-with-timeout -1\r\n"), .command(.reserveWithTimeout(seconds: -1)))
        XCTAssertEqual(frame("reserve-with-timeout 4294967296\r\n"), .command(.reserveWithTimeout(seconds: 0)), "truncated to int")
        XCTAssertEqual(frame("reserve-with-timeout 5abc\r\n"), .command(.reserveWithTimeout(seconds: 5)))
        XCTAssertEqual(frame("kick -1\r\n"), .command(.kick(bound: .max)), "strtoul wraps a minus sign")
        XCTAssertEqual(frame("kick 4294967296\r\n"), .command(.kick(bound: 0)), "truncated to unsigned int")
        XCTAssertEqual(frame("kick 3x\r\n"), .command(.kick(bound: 3)), "trailing bytes ignored")
        XCTAssertEqual(frame("pause-tubefoo 5\r\n"), .command(.pauseTube(tube: "foo", delay: 5)), "prefix match without a space")
        XCTAssertEqual(frame("quitnow\r\n"), .command(.quit))
    }

    func testMalformedLines() {
        let bad = [
            "delete x\r\n", "delete 5 \r\n", "delete +5\r\n", "delete -5\r\n",
            "delete 18446744073709551616\r\n", "release 1 2\r\n", "release 1 4294967296 0\r\n",
            "bury 1\r\n", "bury 1 2 3\r\n", "peek x\r\n", "reserve \r\n", "reservex\r\n",
            "stats \r\n", "stats-tubex\r\n", "list-tubes \r\n", "peek-ready now\r\n",
            "use -foo\r\n", "use foo bar\r\n", "use  foo\r\n", "use foo!\r\n",
            "use " + String(repeating: "a", count: 201) + "\r\n", "watch \r\n", "kick x\r\n", "kick \r\n",
            "reserve-with-timeout 99999999999999999999\r\n", "pause-tube\r\n", "pause-tube foo\r\n",
            "pause-tube foo 5 \r\n", "pause-tubex\r\n", "put 1 2 3\r\n", "put 1 2 3 x\r\n",
            "put 1 2 3 4294967296\r\n",
        ]
        for text in bad {
            XCTAssertEqual(frame(text), .error(.badFormat), text.debugDescription)
        }
        for text in ["pause-tube -foo 5\r\n", "pause-tube " + String(repeating: "a", count: 201) + " 5\r\n"] {
            XCTAssertEqual(frame(text), .badPauseTube, "a name and a delay, but no valid name: \(text.debugDescription)")
        }
        XCTAssertEqual(frame("use " + String(repeating: "a", count: 200) + "\r\n"),
                       .command(.use(tube: String(repeating: "a", count: 200))))
    }

    func testUnknownCommands() {
        for text in ["\r\n", "delete\r\n", "touch\r\n", "PUT 1 2 3 4\r\n", "peek\r\n", "hello\r\n", " reserve\r\n", "list\r\n"] {
            XCTAssertEqual(frame(text), .error(.unknownCommand), text.debugDescription)
        }
    }

    func testNulByteIsBadFormat() {
        let (frames, _) = parse(Array("stats".utf8) + [0] + Array("\r\n".utf8))
        XCTAssertEqual(frames, [.error(.badFormat)])
    }

    func testOverlongLineIsAnsweredOnceAndTheConnectionContinues() {
        let long = String(repeating: "x", count: 500) + "\r\nstats\r\n"
        XCTAssertEqual(parse(long), [.error(.badFormat), .command(.stats)])
        let exact = "use " + String(repeating: "a", count: 218) + "\r\n"
        XCTAssertEqual(exact.utf8.count, 224)
        XCTAssertEqual(parse(exact), [.error(.badFormat)], "a 218-byte name is invalid but the line is complete")
        let tooLong = "use " + String(repeating: "a", count: 219) + "\r\nstats\r\nquit\r\n"
        XCTAssertEqual(parse(tooLong), [.error(.badFormat), .command(.quit)],
                       "the CR falls outside the 224-byte window, so the discard runs to the next line end")
    }

    func testLoneCarriageReturnHidesTheLineEnd() {
        XCTAssertEqual(parse("sta\rts\r\nstats\r\n").count, 0, "the first CR is not followed by LF: no line yet")
        let padded = "a\rb" + String(repeating: "c", count: 230) + "\r\nstats\r\n"
        XCTAssertEqual(parse(padded), [.error(.badFormat), .command(.stats)])
    }

    func testJobTooBigSkipsTheBody() {
        let text = "put 0 0 1 11\r\nhello world\r\nstats\r\n"
        XCTAssertEqual(parse(text, maxJobSize: 10), [.putStarted(bodyFits: false), .error(.jobTooBig), .command(.stats)])
        XCTAssertEqual(parse("put 0 0 1 10\r\nhelloworld\r\n", maxJobSize: 10).count, 2)
        XCTAssertEqual(parse("put 0 0 1 11 junk\r\nhello world\r\nstats\r\n", maxJobSize: 10),
                       [.putStarted(bodyFits: false), .error(.jobTooBig), .command(.stats)], "size is checked before trailing bytes")
    }

    func testExpectedCRLF() {
        XCTAssertEqual(parse("put 0 0 1 3\r\nhelloXstats\r\n"), [.putStarted(bodyFits: true), .error(.expectedCRLF), .error(.unknownCommand)])
        XCTAssertEqual(parse("put 0 0 1 3\r\nabcdestats\r\n"), [.putStarted(bodyFits: true), .error(.expectedCRLF), .command(.stats)])
    }

    func testPutWithTrailingBytesLeavesTheBodyAsACommandLine() {
        XCTAssertEqual(parse("put 0 0 1 5 x\r\nstats\r\n"), [.error(.badFormat), .command(.stats)])
    }

    func testBinaryBodyWithCRLFInside() {
        let payload: [UInt8] = [0, 13, 10, 255, 13, 10]
        let bytes = Array("put 0 0 1 6\r\n".utf8) + payload + Array("\r\n".utf8)
        let (frames, left) = parse(bytes)
        XCTAssertEqual(frames, [.putStarted(bodyFits: true), .command(.put(priority: 0, delay: 0, ttr: 1, body: ByteBuffer(bytes: payload)))])
        XCTAssertEqual(left, 0)
    }

    /// A conversation covering every framing state, used for the split tests.
    private let conversation = Array(
        ("put 1 0 5 12\r\nhello\r\nworld\r\nreserve\r\n" + String(repeating: "z", count: 300)
            + "\r\nput 0 0 1 70000\r\n" + String(repeating: "q", count: 70_000) + "\r\n"
            + "put 0 0 1 2\r\nabXYstats-tube foo\r\nuse bar\r\n").utf8)

    func testSplittingAtEveryByteGivesTheSameFrames() {
        let (whole, left) = parse(conversation)
        XCTAssertEqual(left, 0)
        XCTAssertEqual(whole.count, 10, "7 replies and 3 started puts")
        for split in stride(from: 1, to: conversation.count, by: conversation.count > 2_000 ? 97 : 1) {
            var parser = CommandParser()
            var buffer = ByteBuffer(bytes: conversation[..<split])
            var frames: [ParsedFrame] = []
            while let frame = parser.next(&buffer) { frames.append(frame) }
            buffer.writeBytes(conversation[split...])
            while let frame = parser.next(&buffer) { frames.append(frame) }
            XCTAssertEqual(frames, whole, "split at \(split)")
        }
    }

    func testOneByteAtATime() {
        let (whole, _) = parse(conversation)
        var parser = CommandParser()
        var buffer = ByteBuffer()
        var frames: [ParsedFrame] = []
        for byte in conversation {
            buffer.writeInteger(byte)
            while let frame = parser.next(&buffer) { frames.append(frame) }
        }
        XCTAssertEqual(frames, whole)
        XCTAssertFalse(parser.isMidFrame)
    }

    func testIncompleteInputWaits() {
        var parser = CommandParser()
        var buffer = ByteBuffer(string: "put 0 0 1 5\r\nhel")
        XCTAssertEqual(parser.next(&buffer), .putStarted(bodyFits: true), "as soon as the command line is there")
        XCTAssertNil(parser.next(&buffer))
        XCTAssertTrue(parser.isMidFrame)
        buffer.writeString("lo\r")
        XCTAssertNil(parser.next(&buffer))
        buffer.writeString("\n")
        XCTAssertEqual(parser.next(&buffer), .command(.put(priority: 0, delay: 0, ttr: 1, body: ByteBuffer(string: "hello"))))
    }
}
