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

    private static let crlf: StaticString = "\r\n"

    /// Appends the reply's exact bytes to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .inserted(let id):
            buffer.writeLine("INSERTED \(id)")
        case .buriedOnPut(let id):
            buffer.writeLine("BURIED \(id)")
        case .using(let tube):
            buffer.writeLine("USING \(tube)")
        case .reserved(let id, let body):
            buffer.writeLine("RESERVED \(id) \(body.readableBytes)")
            buffer.writeChunk(body)
        case .found(let id, let body):
            buffer.writeLine("FOUND \(id) \(body.readableBytes)")
            buffer.writeChunk(body)
        case .ok(let document):
            buffer.writeLine("OK \(document.readableBytes)")
            buffer.writeChunk(document)
        case .watching(let count):
            buffer.writeLine("WATCHING \(count)")
        case .kicked(let count):
            buffer.writeLine("KICKED \(count)")
        case .word(let word):
            buffer.writeLine(word.rawValue)
        }
    }
}

extension ByteBuffer {
    fileprivate mutating func writeLine(_ line: String) {
        writeString(line)
        writeStaticString("\r\n")
    }

    fileprivate mutating func writeChunk(_ chunk: ByteBuffer) {
        writeImmutableBuffer(chunk)
        writeStaticString("\r\n")
    }
}
