import SpoolCore
import SpoolProtocol

/// What an ``EngineHost`` reports of itself and what it accepts.
public struct HostConfiguration: Sendable {
    /// The largest job body accepted (`max-job-size`).
    public var maxJobSize: Int
    /// The beanstalkd version reported by `stats` as `version`, which clients
    /// compare to decide which commands the server has.
    public var protocolVersion = SpoolVersion.beanstalkdProtocol
    /// Spool's own version, reported by `stats` as `spool-version`.
    public var version: String
    /// The store's durability mode, as `stats` and the service status show it.
    public var durability = "off"
    /// The limits of every tube without a queue file that sets its own
    /// (`--max-jobs`, `--max-bytes`, `--when-full`).
    public var defaultLimits = TubeLimits()
    /// The memory jobs may take before puts are refused (`--memory-limit`).
    public var memoryLimit = Int.max

    /// Creates a configuration.
    public init(maxJobSize: Int = ProtocolLimits.defaultMaxJobSize, version: String = SpoolVersion.current) {
        self.maxJobSize = maxJobSize
        self.version = version
    }
}

/// Spool's version, and the beanstalkd version whose protocol it speaks.
public enum SpoolVersion {
    /// The version of this build.
    public static let current = "0.1.0"
    /// The beanstalkd release whose protocol spoold implements: what `stats`
    /// reports as `version`, so that clients that gate commands on the
    /// server's version (`kick-job` came with 1.8) use all of them.
    public static let beanstalkdProtocol = "1.13"
}
