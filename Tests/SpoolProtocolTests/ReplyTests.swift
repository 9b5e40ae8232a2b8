import NIOCore
import XCTest

@testable import SpoolProtocol

final class ReplyTests: XCTestCase {
    private func bytes(_ reply: Reply) -> String {
        var buffer = ByteBuffer()
        reply.write(to: &buffer)
        return String(buffer: buffer)
    }

    func testExactBytes() {
        XCTAssertEqual(bytes(.inserted(42)), "INSERTED 42\r\n")
        XCTAssertEqual(bytes(.buriedOnPut(7)), "BURIED 7\r\n")
        XCTAssertEqual(bytes(.using("foo")), "USING foo\r\n")
        XCTAssertEqual(bytes(.reserved(id: 3, body: ByteBuffer(string: "a\r\nb"))), "RESERVED 3 4\r\na\r\nb\r\n")
        XCTAssertEqual(bytes(.found(id: 3, body: ByteBuffer())), "FOUND 3 0\r\n\r\n")
        XCTAssertEqual(bytes(.watching(2)), "WATCHING 2\r\n")
        XCTAssertEqual(bytes(.kicked(9)), "KICKED 9\r\n")
        XCTAssertEqual(bytes(.word(.kicked)), "KICKED\r\n")
        XCTAssertEqual(bytes(.word(.deadlineSoon)), "DEADLINE_SOON\r\n")
        XCTAssertEqual(bytes(Reply(.jobTooBig)), "JOB_TOO_BIG\r\n")
        XCTAssertEqual(bytes(Reply(.expectedCRLF)), "EXPECTED_CRLF\r\n")
        XCTAssertEqual(bytes(Reply(.badFormat)), "BAD_FORMAT\r\n")
        XCTAssertEqual(bytes(Reply(.unknownCommand)), "UNKNOWN_COMMAND\r\n")
    }

    func testYAMLDocuments() {
        var document = YAMLDocument()
        document.add("id", 5)
        document.addQuoted("version", "1.0")
        XCTAssertEqual(bytes(.ok(document.buffer)), "OK 25\r\n---\nid: 5\nversion: \"1.0\"\n\r\n")
        XCTAssertEqual(String(buffer: YAMLDocument.list(["a", "b"]).buffer), "---\n- a\n- b\n")
    }
}
