import SpoolProtocol

/// What a ``SpoolServer`` serves and how.
public struct ServerConfiguration: Sendable {
    /// The sockets to bind.
    public var listeners: [ListenAddress]
    /// The largest job body accepted (`max-job-size`).
    public var maxJobSize: Int
    /// The version reported by `stats`.
    public var version: String

    /// Creates a configuration.
    public init(listeners: [ListenAddress], maxJobSize: Int = ProtocolLimits.defaultMaxJobSize, version: String = SpoolVersion.current) {
        self.listeners = listeners
        self.maxJobSize = maxJobSize
        self.version = version
    }
}

/// Spool's version.
public enum SpoolVersion {
    /// The version of this build.
    public static let current = "0.1.0"
}
