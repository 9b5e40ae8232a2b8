/// What spoold tells its service manager about an engine each second: the
/// `STATUS=` line, and whether the engine is idle, the condition
/// `--exit-when-idle` counts.
public protocol ServiceStatus: Sendable {
    /// The one-line `STATUS=` text.
    var statusLine: String { get }
    /// Whether nothing would be lost or kept waiting if spoold ended now.
    var isIdle: Bool { get }
}
