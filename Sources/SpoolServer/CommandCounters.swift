import SpoolProtocol

/// Cumulative counts of the commands received, for `stats`.
struct CommandCounters {
    /// The counted commands, in the order `stats` lists them (beanstalkd's, then ours).
    enum Kind: String, CaseIterable {
        case put = "cmd-put"
        case peek = "cmd-peek"
        case peekReady = "cmd-peek-ready"
        case peekDelayed = "cmd-peek-delayed"
        case peekBuried = "cmd-peek-buried"
        case reserve = "cmd-reserve"
        case reserveWithTimeout = "cmd-reserve-with-timeout"
        case delete = "cmd-delete"
        case release = "cmd-release"
        case use = "cmd-use"
        case watch = "cmd-watch"
        case ignore = "cmd-ignore"
        case bury = "cmd-bury"
        case kick = "cmd-kick"
        case touch = "cmd-touch"
        case stats = "cmd-stats"
        case statsJob = "cmd-stats-job"
        case statsTube = "cmd-stats-tube"
        case listTubes = "cmd-list-tubes"
        case listTubeUsed = "cmd-list-tube-used"
        case listTubesWatched = "cmd-list-tubes-watched"
        case pauseTube = "cmd-pause-tube"
        case reserveJob = "cmd-reserve-job"
        case kickJob = "cmd-kick-job"

        init?(_ command: Command) {
            switch command {
            case .put: self = .put
            case .peek: self = .peek
            case .peekReady: self = .peekReady
            case .peekDelayed: self = .peekDelayed
            case .peekBuried: self = .peekBuried
            case .reserve: self = .reserve
            case .reserveWithTimeout: self = .reserveWithTimeout
            case .reserveJob: self = .reserveJob
            case .delete: self = .delete
            case .release: self = .release
            case .use: self = .use
            case .watch: self = .watch
            case .ignore: self = .ignore
            case .bury: self = .bury
            case .kick: self = .kick
            case .kickJob: self = .kickJob
            case .touch: self = .touch
            case .stats: self = .stats
            case .statsJob: self = .statsJob
            case .statsTube: self = .statsTube
            case .listTubes: self = .listTubes
            case .listTubeUsed: self = .listTubeUsed
            case .listTubesWatched: self = .listTubesWatched
            case .pauseTube: self = .pauseTube
            case .quit: return nil
            }
        }
    }

    private var values: [Kind: UInt64] = [:]

    mutating func count(_ kind: Kind) {
        values[kind, default: 0] += 1
    }

    subscript(kind: Kind) -> UInt64 {
        values[kind, default: 0]
    }
}
