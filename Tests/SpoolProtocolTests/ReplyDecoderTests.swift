import NIOCore
import XCTest

@testable import SpoolProtocol

/// ``ReplyDecoder``: every reply read back, partial replies left alone,
/// unknown lines kept, and bounded, malformed framing refused.
final class ReplyDecoderTests: XCTestCase {
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
}
