import NIOCore
import SpoolPrimitives

#if canImport(Glibc)
import Glibc
#endif

/// An incremental parser for the client side of the beanstalkd protocol.
///
/// Feed it the bytes received so far; it consumes what it can and returns one
/// ``ParsedFrame`` at a time. It reproduces beanstalkd's framing exactly: a
/// command line is found only where the first CR in a 224-byte window is
/// followed by LF; a longer line is discarded up to its end and answered with
/// `BAD_FORMAT`; an oversized `put` body is skipped and answered with
/// `JOB_TOO_BIG`; a body not followed by CR LF is answered with `EXPECTED_CRLF`.
/// In every case the connection stays usable for the next command.
public struct CommandParser: Sendable {
    private enum State: Sendable {
        case command
        case discardingLine
        case body(PutHeader)
        case skippingBody(remaining: Int)
    }

    struct PutHeader: Sendable {
        var priority: UInt32
        var delay: UInt32
        var ttr: UInt32
        var size: Int
    }

    private enum LineScan {
        case line(length: Int)
        case needMore
        case overflow
    }

    /// The largest body a `put` may carry.
    public var maxJobSize: Int
    private var state: State = .command

    /// Creates a parser that accepts job bodies of at most `maxJobSize` bytes.
    public init(maxJobSize: Int = ProtocolLimits.defaultMaxJobSize) {
        self.maxJobSize = maxJobSize
    }

    /// Whether the parser is in the middle of a frame (a partial line or body).
    public var isMidFrame: Bool {
        if case .command = state { return false }
        return true
    }

    /// Consumes bytes from `buffer` and returns the next frame, or nil when more
    /// bytes are needed. Bytes that belong to later frames stay in `buffer`.
    public mutating func next(_ buffer: inout ByteBuffer) -> ParsedFrame? {
        while true {
            switch state {
            case .command:
                switch Self.scanLine(buffer) {
                case .needMore:
                    return nil
                case .overflow:
                    buffer.moveReaderIndex(forwardBy: ProtocolLimits.maxLineLength)
                    state = .discardingLine
                case .line(let length):
                    let outcome = buffer.withUnsafeReadableBytes { bytes in
                        parseLine(UnsafeRawBufferPointer(rebasing: bytes[..<(length - 2)]))
                    }
                    buffer.moveReaderIndex(forwardBy: length)
                    switch outcome {
                    case .frame(let frame):
                        return frame
                    case .body(let header):
                        state = .body(header)
                        return .putStarted(bodyFits: true)
                    case .skip(let count):
                        state = .skippingBody(remaining: count)
                        return .putStarted(bodyFits: false)
                    }
                }
            case .discardingLine:
                switch Self.scanLine(buffer) {
                case .needMore:
                    return nil
                case .overflow:
                    buffer.moveReaderIndex(forwardBy: ProtocolLimits.maxLineLength)
                case .line(let length):
                    buffer.moveReaderIndex(forwardBy: length)
                    state = .command
                    return .error(.badFormat)
                }
            case .body(let header):
                guard buffer.readableBytes >= header.size + 2 else { return nil }
                state = .command
                let slice = buffer.readSlice(length: header.size)!
                let trailer = buffer.readInteger(as: UInt16.self)!
                guard trailer == 0x0D0A else { return .error(.expectedCRLF) }
                var body = ByteBufferAllocator().buffer(capacity: header.size)
                body.writeImmutableBuffer(slice)
                return .command(.put(priority: header.priority, delay: header.delay, ttr: header.ttr, body: body))
            case .skippingBody(let remaining):
                let count = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: count)
                guard count == remaining else {
                    state = .skippingBody(remaining: remaining - count)
                    return nil
                }
                state = .command
                return .error(.jobTooBig)
            }
        }
    }

    /// Finds the end of the command line at the front of `buffer` the way
    /// beanstalkd's `scan_line_end` does over its 224-byte line buffer.
    private static func scanLine(_ buffer: ByteBuffer) -> LineScan {
        let window = min(buffer.readableBytes, ProtocolLimits.maxLineLength)
        let full = buffer.readableBytes >= ProtocolLimits.maxLineLength
        guard window >= 2 else { return full ? .overflow : .needMore }
        return buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, let match = memchr(base, 0x0D, window - 1) else {
                return full ? .overflow : .needMore
            }
            let cr = base.distance(to: UnsafeRawPointer(match))
            if bytes[cr + 1] == 0x0A { return .line(length: cr + 2) }
            return full ? .overflow : .needMore
        }
    }

    private enum LineOutcome {
        case frame(ParsedFrame)
        case body(PutHeader)
        case skip(Int)
    }

    private static let bad = LineOutcome.frame(.error(.badFormat))

    /// Parses one command line (without its CR LF) as beanstalkd's `dispatch_cmd` does.
    private func parseLine(_ line: UnsafeRawBufferPointer) -> LineOutcome {
        if line.contains(0) { return Self.bad }
        for entry in Self.table where entry.isPrefix(of: line) {
            return entry.parse(self, line, entry.prefix.count)
        }
        return .frame(.error(.unknownCommand))
    }

    private struct Entry: Sendable {
        let prefix: [UInt8]
        let parse: @Sendable (CommandParser, UnsafeRawBufferPointer, Int) -> LineOutcome
        init(_ prefix: String, _ parse: @escaping @Sendable (CommandParser, UnsafeRawBufferPointer, Int) -> LineOutcome) {
            self.prefix = Array(prefix.utf8)
            self.parse = parse
        }

        func isPrefix(of line: UnsafeRawBufferPointer) -> Bool {
            guard line.count >= prefix.count, let base = line.baseAddress else { return false }
            return prefix.withUnsafeBytes { memcmp(base, $0.baseAddress!, prefix.count) == 0 }
        }
    }

    /// The commands in the order beanstalkd's `which_cmd` tries their prefixes.
    private static let table: [Entry] = [
        Entry("put ") { parser, line, at in parser.parsePut(line, at) },
        Entry("peek ") { _, line, at in withID(line, at) { .peek(id: $0) } },
        Entry("peek-ready") { _, line, at in exact(line, at, .peekReady) },
        Entry("peek-delayed") { _, line, at in exact(line, at, .peekDelayed) },
        Entry("peek-buried") { _, line, at in exact(line, at, .peekBuried) },
        Entry("reserve-with-timeout ") { _, line, at in
            var scanner = NumberScanner(line, at: at)
            guard let seconds = scanner.cLong() else { return bad }
            return .frame(.command(.reserveWithTimeout(seconds: seconds)))
        },
        Entry("reserve-job ") { _, line, at in withID(line, at) { .reserveJob(id: $0) } },
        Entry("reserve") { _, line, at in exact(line, at, .reserve) },
        Entry("delete ") { _, line, at in withID(line, at) { .delete(id: $0) } },
        Entry("release ") { _, line, at in
            var scanner = NumberScanner(line, at: at)
            guard let id = scanner.unsigned(limit: .max, toEnd: false),
                let priority = scanner.unsigned(limit: UInt64(UInt32.max), toEnd: false),
                let delay = scanner.unsigned(limit: UInt64(UInt32.max), toEnd: true)
            else { return bad }
            return .frame(.command(.release(id: id, priority: UInt32(priority), delay: UInt32(delay))))
        },
        Entry("bury ") { _, line, at in
            var scanner = NumberScanner(line, at: at)
            guard let id = scanner.unsigned(limit: .max, toEnd: false),
                let priority = scanner.unsigned(limit: UInt64(UInt32.max), toEnd: true)
            else { return bad }
            return .frame(.command(.bury(id: id, priority: UInt32(priority))))
        },
        Entry("kick ") { _, line, at in
            var scanner = NumberScanner(line, at: at)
            guard let bound = scanner.cUnsignedLong() else { return bad }
            return .frame(.command(.kick(bound: bound)))
        },
        Entry("kick-job ") { _, line, at in withID(line, at) { .kickJob(id: $0) } },
        Entry("touch ") { _, line, at in withID(line, at) { .touch(id: $0) } },
        Entry("stats-job ") { _, line, at in withID(line, at) { .statsJob(id: $0) } },
        Entry("stats-tube ") { _, line, at in withTube(line, at) { .statsTube(tube: $0) } },
        Entry("stats") { _, line, at in exact(line, at, .stats) },
        Entry("use ") { _, line, at in withTube(line, at) { .use(tube: $0) } },
        Entry("watch ") { _, line, at in withTube(line, at) { .watch(tube: $0) } },
        Entry("ignore ") { _, line, at in withTube(line, at) { .ignore(tube: $0) } },
        Entry("list-tubes-watched") { _, line, at in exact(line, at, .listTubesWatched) },
        Entry("list-tube-used") { _, line, at in exact(line, at, .listTubeUsed) },
        Entry("list-tubes") { _, line, at in exact(line, at, .listTubes) },
        Entry("quit") { _, _, _ in .frame(.command(.quit)) },
        Entry("pause-tube") { _, line, at in parsePauseTube(line, at) },
    ]

    private static func exact(_ line: UnsafeRawBufferPointer, _ at: Int, _ command: Command) -> LineOutcome {
        line.count == at ? .frame(.command(command)) : bad
    }

    private static func withID(
        _ line: UnsafeRawBufferPointer, _ at: Int, _ make: (UInt64) -> Command
    ) -> LineOutcome {
        var scanner = NumberScanner(line, at: at)
        guard let id = scanner.unsigned(limit: .max, toEnd: true) else { return bad }
        return .frame(.command(make(id)))
    }

    private static func withTube(
        _ line: UnsafeRawBufferPointer, _ at: Int, _ make: (String) -> Command
    ) -> LineOutcome {
        let name = UnsafeRawBufferPointer(rebasing: line[at...])
        guard TubeName.isValid(name) else { return bad }
        return .frame(.command(make(String(decoding: name, as: UTF8.self))))
    }

    private func parsePut(_ line: UnsafeRawBufferPointer, _ at: Int) -> LineOutcome {
        let u32 = UInt64(UInt32.max)
        var scanner = NumberScanner(line, at: at)
        guard let priority = scanner.unsigned(limit: u32, toEnd: false),
            let delay = scanner.unsigned(limit: u32, toEnd: false),
            let ttr = scanner.unsigned(limit: u32, toEnd: false),
            let size = scanner.unsigned(limit: u32, toEnd: false)
        else { return Self.bad }
        if size > UInt64(maxJobSize) { return .skip(Int(size) + 2) }
        guard scanner.isAtEnd else { return Self.bad }
        return .body(PutHeader(priority: UInt32(priority), delay: UInt32(delay), ttr: UInt32(ttr), size: Int(size)))
    }

    /// As beanstalkd: a name (a run of name bytes) and a delay must be there;
    /// only then is the command counted, and a name that is not a valid tube
    /// name is answered BAD_FORMAT after that (``ParsedFrame/badPauseTube``).
    private static func parsePauseTube(_ line: UnsafeRawBufferPointer, _ at: Int) -> LineOutcome {
        var start = at
        while start < line.count, line[start] == UInt8(ascii: " ") { start += 1 }
        var end = start
        while end < line.count, TubeName.isNameByte(line[end]) { end += 1 }
        guard end > start else { return bad }
        var scanner = NumberScanner(line, at: end)
        guard let delay = scanner.unsigned(limit: UInt64(UInt32.max), toEnd: true) else { return bad }
        let name = UnsafeRawBufferPointer(rebasing: line[start..<end])
        guard TubeName.isValid(name) else { return .frame(.badPauseTube) }
        return .frame(.command(.pauseTube(tube: String(decoding: name, as: UTF8.self), delay: UInt32(delay))))
    }
}
