import SpoolProtocol

/// Cumulative counts of the commands received, for `stats`.
public struct CommandCounters: Sendable {
    /// The counted commands, in the order `stats` lists them (beanstalkd's, then ours).
    public enum Kind: Int, CaseIterable, Sendable {
        case put
        case peek
        case peekReady
        case peekDelayed
        case peekBuried
        case reserve
        case reserveWithTimeout
        case delete
        case release
        case use
        case watch
        case ignore
        case bury
        case kick
        case touch
        case stats
        case statsJob
        case statsTube
        case listTubes
        case listTubeUsed
        case listTubesWatched
        case pauseTube
        case reserveJob
        case kickJob

        /// The key `stats` prints for this counter.
        public var key: String { Self.keys[rawValue] }

        private static let keys = [
            "cmd-put",
            "cmd-peek",
            "cmd-peek-ready",
            "cmd-peek-delayed",
            "cmd-peek-buried",
            "cmd-reserve",
            "cmd-reserve-with-timeout",
            "cmd-delete",
            "cmd-release",
            "cmd-use",
            "cmd-watch",
            "cmd-ignore",
            "cmd-bury",
            "cmd-kick",
            "cmd-touch",
            "cmd-stats",
            "cmd-stats-job",
            "cmd-stats-tube",
            "cmd-list-tubes",
            "cmd-list-tube-used",
            "cmd-list-tubes-watched",
            "cmd-pause-tube",
            "cmd-reserve-job",
            "cmd-kick-job",
        ]

        public init?(_ command: Command) {
            switch command {
            case .put: return nil  // counted when its command line arrives (ParsedFrame.putStarted)
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

    private var values = [UInt64](repeating: 0, count: Kind.allCases.count)

    /// Counters that all start at zero.
    public init() {}

    public mutating func count(_ kind: Kind) {
        values[kind.rawValue] += 1
    }

    public subscript(kind: Kind) -> UInt64 {
        values[kind.rawValue]
    }
}
