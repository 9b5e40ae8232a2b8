/// How hard the store works to keep acknowledged changes across failures.
///
/// Written `always`, `interval:MS`, `nosync` or `off` on the command line.
public enum DurabilityMode: Sendable, Equatable, LosslessStringConvertible {
    /// Every reply that acknowledges a change waits until the change is
    /// committed and fsynced: nothing acknowledged is lost, not even at power
    /// loss. Group commit makes one fsync serve every client waiting at once.
    case always
    /// Changes are committed (handed to the kernel) before the reply, and
    /// fsynced at most this many milliseconds later: a crash of spoold loses
    /// nothing, a power loss may lose that window. beanstalkd's `-f MS`.
    case interval(milliseconds: UInt32)
    /// Changes are committed before the reply but never fsynced by spoold:
    /// a crash of spoold loses nothing, a power loss may lose whatever the
    /// kernel had not written yet. beanstalkd's `-F`.
    case nosync
    /// Jobs are kept in memory only; nothing survives a restart.
    /// beanstalkd without `-b`.
    case off

    /// Parses `always`, `interval:MS`, `nosync` or `off`.
    public init?(_ description: String) {
        switch description {
        case "always": self = .always
        case "nosync": self = .nosync
        case "off": self = .off
        default:
            guard description.hasPrefix("interval:"), let milliseconds = UInt32(description.dropFirst("interval:".count)),
                  milliseconds > 0
            else { return nil }
            self = .interval(milliseconds: milliseconds)
        }
    }

    /// The mode as written on the command line.
    public var description: String {
        switch self {
        case .always: "always"
        case .interval(let milliseconds): "interval:\(milliseconds)"
        case .nosync: "nosync"
        case .off: "off"
        }
    }
}
