import NIOCore

extension Command {
    /// Appends the command's bytes as a client sends them: its line and CR LF,
    /// and for `put` the body and its CR LF. ``CommandParser`` reads them back
    /// as the same command.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeString(line)
        buffer.writeStaticString("\r\n")
        if case .put(_, _, _, let body) = self {
            buffer.writeImmutableBuffer(body)
            buffer.writeStaticString("\r\n")
        }
    }

    /// The command line without its CR LF (for `put`, without the body).
    private var line: String {
        switch self {
        case .put(let priority, let delay, let ttr, let body): return "put \(priority) \(delay) \(ttr) \(body.readableBytes)"
        case .use(let tube): return "use \(tube)"
        case .reserve: return "reserve"
        case .reserveWithTimeout(let seconds): return "reserve-with-timeout \(seconds)"
        case .reserveJob(let id): return "reserve-job \(id)"
        case .delete(let id): return "delete \(id)"
        case .release(let id, let priority, let delay): return "release \(id) \(priority) \(delay)"
        case .bury(let id, let priority): return "bury \(id) \(priority)"
        case .touch(let id): return "touch \(id)"
        case .watch(let tube): return "watch \(tube)"
        case .ignore(let tube): return "ignore \(tube)"
        case .peek(let id): return "peek \(id)"
        case .peekReady: return "peek-ready"
        case .peekDelayed: return "peek-delayed"
        case .peekBuried: return "peek-buried"
        case .kick(let bound): return "kick \(bound)"
        case .kickJob(let id): return "kick-job \(id)"
        case .statsJob(let id): return "stats-job \(id)"
        case .statsTube(let tube): return "stats-tube \(tube)"
        case .stats: return "stats"
        case .listTubes: return "list-tubes"
        case .listTubeUsed: return "list-tube-used"
        case .listTubesWatched: return "list-tubes-watched"
        case .pauseTube(let tube, let delay): return "pause-tube \(tube) \(delay)"
        case .quit: return "quit"
        }
    }
}
