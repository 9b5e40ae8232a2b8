import NIOCore
import SpoolProtocol

extension ReceivedReply {
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
