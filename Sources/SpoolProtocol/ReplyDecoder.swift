import NIOCore

/// Splits the bytes a server sends into replies: a line, plus the body that
/// follows `RESERVED <id> <bytes>`, `FOUND <id> <bytes>` and `OK <bytes>`.
///
/// It is bounded: a line longer than ``maximumLineLength`` without its CR LF,
/// or a body announced longer than ``maximumBodyLength``, is an error at once
/// rather than a reason to buffer more, so a hostile or broken server cannot
/// make the client hold unbounded memory.
public struct ReplyDecoder: ByteToMessageDecoder {
    /// What the decoder passes on: one reply at a time.
    public typealias InboundOut = ReceivedReply

    /// The longest reply line, CR LF included: the protocol's line limit
    /// (the longest real reply, `USING` and a 200-byte name, is 208).
    public static let maximumLineLength = ProtocolLimits.maxLineLength
    /// The longest body: the largest maximum job size a server may have.
    public static let maximumBodyLength = ProtocolLimits.maxJobSizeCeiling

    /// A decoder; it keeps no state between replies.
    public init() {}

    /// Passes on the reply at the front of `buffer` once all of it is there.
    ///
    /// - Throws: ``ReplyDecodingError`` for bytes that cannot be a reply.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reply = try Self.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    /// Passes on what is left at the end of the stream, as ``decode(context:buffer:)`` would.
    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Reads one whole reply from the front of `buffer`. When the reply is not
    /// all there yet, returns nil and leaves `buffer` as it was.
    ///
    /// - Throws: ``ReplyDecodingError`` for bytes that cannot be a reply.
    public static func next(from buffer: inout ByteBuffer) throws -> ReceivedReply? {
        let view = buffer.readableBytesView
        guard let newline = view.prefix(maximumLineLength).firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count >= maximumLineLength { throw ReplyDecodingError.lineTooLong(limit: maximumLineLength) }
            return nil
        }
        guard newline > view.startIndex, view[newline - 1] == UInt8(ascii: "\r") else {
            throw ReplyDecodingError.bareLineFeed
        }
        let lineLength = newline + 1 - view.startIndex
        let line = String(decoding: view[view.startIndex..<(newline - 1)], as: UTF8.self)
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard let bodyHeader = try BodyHeader(words, line: line) else {
            buffer.moveReaderIndex(forwardBy: lineLength)
            return parseLine(words, line)
        }
        let total = lineLength + bodyHeader.length + 2
        guard buffer.readableBytes >= total else { return nil }
        let bodyEnd = view.startIndex + lineLength + bodyHeader.length
        guard view[bodyEnd] == UInt8(ascii: "\r"), view[bodyEnd + 1] == UInt8(ascii: "\n") else {
            throw ReplyDecodingError.missingCRLFAfterBody(line)
        }
        buffer.moveReaderIndex(forwardBy: lineLength)
        let body = buffer.readSlice(length: bodyHeader.length)!
        buffer.moveReaderIndex(forwardBy: 2)
        switch bodyHeader.kind {
        case .reserved(let id): return .reply(.reserved(id: id, body: body))
        case .found(let id): return .reply(.found(id: id, body: body))
        case .ok: return .reply(.ok(body))
        }
    }

    /// A reply line without a body.
    private static func parseLine(_ words: [Substring], _ line: String) -> ReceivedReply {
        switch (words.first, words.count) {
        case ("INSERTED", 2):
            if let id = UInt64(decimal: words[1]) { return .reply(.inserted(id)) }
        case ("BURIED", 2):
            if let id = UInt64(decimal: words[1]) { return .reply(.buriedOnPut(id)) }
        case ("USING", 2):
            return .reply(.using(String(words[1])))
        case ("WATCHING", 2):
            if let count = Int(decimal: words[1]) { return .reply(.watching(count)) }
        case ("KICKED", 2):
            if let count = UInt32(decimal: words[1]) { return .reply(.kicked(count)) }
        case (_, 1):
            if let word = Reply.Word(rawValue: line) { return .reply(.word(word)) }
        default:
            break
        }
        return .unrecognized(line)
    }

    /// The start of a reply that carries a body: its kind and the body's length.
    private struct BodyHeader {
        enum Kind {
            case reserved(UInt64)
            case found(UInt64)
            case ok
        }

        let kind: Kind
        let length: Int

        /// The header `words` stand for, or nil when the line is not one that carries a body.
        init?(_ words: [Substring], line: String) throws {
            let lengthWord: Substring
            switch words.first {
            case "RESERVED", "FOUND":
                guard words.count == 3, let id = UInt64(decimal: words[1]) else {
                    throw ReplyDecodingError.malformedHeader(line)
                }
                kind = words[0] == "RESERVED" ? .reserved(id) : .found(id)
                lengthWord = words[2]
            case "OK":
                guard words.count == 2 else { throw ReplyDecodingError.malformedHeader(line) }
                kind = .ok
                lengthWord = words[1]
            default:
                return nil
            }
            guard let length = UInt64(decimal: lengthWord) else { throw ReplyDecodingError.malformedHeader(line) }
            guard length <= UInt64(ReplyDecoder.maximumBodyLength) else {
                throw ReplyDecodingError.bodyTooLong(length: length, limit: ReplyDecoder.maximumBodyLength)
            }
            self.length = Int(length)
        }
    }
}
