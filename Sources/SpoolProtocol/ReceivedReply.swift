/// One reply as ``ReplyDecoder`` read it: a reply of the protocol, or a line
/// it does not know, which the client answers its command with as an error.
public enum ReceivedReply: Sendable, Equatable {
    /// A reply of the protocol, with its body when it has one.
    case reply(Reply)
    /// A line that is no reply of the protocol, without its CR LF.
    case unrecognized(String)
}
