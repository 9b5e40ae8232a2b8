/// Bytes from the server that cannot be a reply; the connection cannot go on
/// after them, since where the next reply starts is unknown.
public enum ReplyDecodingError: Error, Equatable, CustomStringConvertible {
    /// No CR LF within the longest line a reply may have.
    case lineTooLong(limit: Int)
    /// A line ended by LF alone.
    case bareLineFeed
    /// A `RESERVED`, `FOUND` or `OK` line whose numbers cannot be read.
    case malformedHeader(String)
    /// A body longer than any server may send.
    case bodyTooLong(length: UInt64, limit: Int)
    /// A body not followed by CR LF.
    case missingCRLFAfterBody(String)

    /// The fault in words, for a log or an error message.
    public var description: String {
        switch self {
        case .lineTooLong(let limit): return "a reply line longer than \(limit) bytes"
        case .bareLineFeed: return "a reply line ended by LF without CR"
        case .malformedHeader(let line): return "a malformed reply line: \(line)"
        case .bodyTooLong(let length, let limit): return "a body of \(length) bytes, more than \(limit)"
        case .missingCRLFAfterBody(let line): return "no CR LF after the body of \(line)"
        }
    }
}
