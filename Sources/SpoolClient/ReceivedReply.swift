import NIOCore
import SpoolProtocol

/// One reply as ``ReplyDecoder`` read it: a reply of the protocol, or a line
/// it does not know (answered to its command as ``SpoolClientError/unexpectedReply(_:)``).
enum ReceivedReply: Sendable, Equatable {
    /// A reply of the protocol, with its body when it has one.
    case reply(Reply)
    /// A line that is no reply of the protocol, without its CR LF.
    case unrecognized(String)

    /// The error this reply stands for, when it is not the one its command expects.
    var failure: SpoolClientError {
        switch self {
        case .reply(.word(let word)):
            switch word {
            case .outOfMemory: return .outOfMemory
            case .internalError: return .internalError
            case .badFormat: return .badFormat
            case .unknownCommand: return .unknownCommand
            case .expectedCRLF: return .expectedCRLF
            case .jobTooBig: return .jobTooBig
            case .draining: return .draining
            case .notFound: return .notFound
            case .deadlineSoon: return .deadlineSoon
            case .notIgnored: return .notIgnored
            case .timedOut, .deleted, .released, .buried, .touched, .kicked, .paused:
                return .unexpectedReply(word.rawValue)
            }
        case .reply(.buriedOnPut(let id)):
            return .buried(id: id)
        case .reply(let reply):
            var buffer = ByteBuffer()
            reply.write(to: &buffer)
            let line = buffer.readableBytesView.prefix { $0 != UInt8(ascii: "\r") }
            return .unexpectedReply(String(decoding: line, as: UTF8.self))
        case .unrecognized(let line):
            return .unexpectedReply(line)
        }
    }
}
