import NIOCore

/// A server reply of the beanstalkd protocol.
public enum Reply: Sendable, Equatable {
    /// `INSERTED <id>`.
    case inserted(UInt64)
    /// `BURIED <id>`: a put whose job was buried at once.
    case buriedOnPut(UInt64)
    /// `USING <tube>`.
    case using(String)
    /// `RESERVED <id> <bytes>` and the body.
    case reserved(id: UInt64, body: ByteBuffer)
    /// `FOUND <id> <bytes>` and the body.
    case found(id: UInt64, body: ByteBuffer)
    /// `OK <bytes>` and a YAML document.
    case ok(ByteBuffer)
    /// `WATCHING <count>`.
    case watching(Int)
    /// `KICKED <count>`.
    case kicked(UInt32)
    /// A reply that is one fixed word.
    case word(Word)

    /// The replies that carry no arguments.
    public enum Word: String, Sendable {
        case deadlineSoon = "DEADLINE_SOON"
        case timedOut = "TIMED_OUT"
        case deleted = "DELETED"
        case notFound = "NOT_FOUND"
        case released = "RELEASED"
        case buried = "BURIED"
        case touched = "TOUCHED"
        case notIgnored = "NOT_IGNORED"
        case kicked = "KICKED"
        case paused = "PAUSED"
        case draining = "DRAINING"
        case outOfMemory = "OUT_OF_MEMORY"
        case internalError = "INTERNAL_ERROR"
        case badFormat = "BAD_FORMAT"
        case unknownCommand = "UNKNOWN_COMMAND"
        case expectedCRLF = "EXPECTED_CRLF"
        case jobTooBig = "JOB_TOO_BIG"
    }

    /// The reply for a protocol error.
    public init(_ error: ProtocolError) {
        switch error {
        case .badFormat: self = .word(.badFormat)
        case .unknownCommand: self = .word(.unknownCommand)
        case .expectedCRLF: self = .word(.expectedCRLF)
        case .jobTooBig: self = .word(.jobTooBig)
        }
    }

    /// Appends the reply's exact bytes to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .inserted(let id):
            buffer.writeStaticString("INSERTED ")
            buffer.writeDecimal(id)
            buffer.writeStaticString("\r\n")
        case .buriedOnPut(let id):
            buffer.writeStaticString("BURIED ")
            buffer.writeDecimal(id)
            buffer.writeStaticString("\r\n")
        case .using(let tube):
            buffer.writeStaticString("USING ")
            buffer.writeString(tube)
            buffer.writeStaticString("\r\n")
        case .reserved(let id, let body):
            buffer.writeStaticString("RESERVED ")
            buffer.writeJobHeader(id, body)
        case .found(let id, let body):
            buffer.writeStaticString("FOUND ")
            buffer.writeJobHeader(id, body)
        case .ok(let document):
            buffer.writeStaticString("OK ")
            buffer.writeDecimal(UInt64(document.readableBytes))
            buffer.writeStaticString("\r\n")
            buffer.writeChunk(document)
        case .watching(let count):
            buffer.writeStaticString("WATCHING ")
            buffer.writeDecimal(UInt64(count))
            buffer.writeStaticString("\r\n")
        case .kicked(let count):
            buffer.writeStaticString("KICKED ")
            buffer.writeDecimal(UInt64(count))
            buffer.writeStaticString("\r\n")
        case .word(let word):
            buffer.writeString(word.rawValue)
            buffer.writeStaticString("\r\n")
        }
    }
}

extension ByteBuffer {
    /// Writes `value` in decimal without building a String.
    fileprivate mutating func writeDecimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value
            repeat {
                count += 1
                scratch[scratch.count - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            writeBytes(UnsafeRawBufferPointer(rebasing: scratch[(scratch.count - count)...]))
        }
    }

    /// Writes `<id> <bytes>\r\n<body>\r\n`.
    fileprivate mutating func writeJobHeader(_ id: UInt64, _ body: ByteBuffer) {
        writeDecimal(id)
        writeStaticString(" ")
        writeDecimal(UInt64(body.readableBytes))
        writeStaticString("\r\n")
        writeChunk(body)
    }

    fileprivate mutating func writeChunk(_ chunk: ByteBuffer) {
        writeImmutableBuffer(chunk)
        writeStaticString("\r\n")
    }
}
