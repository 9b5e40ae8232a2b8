import NIOCore
import XCTest

@testable import SpoolProtocol

/// ``Command/encode(into:)``, checked against ``CommandParser``.
final class CommandEncodingTests: XCTestCase {
    /// Every command encoded is parsed back by the server's parser as the same command.
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
}
