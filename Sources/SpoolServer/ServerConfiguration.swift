import SpoolProtocol

/// A listening socket the server did not bind itself, e.g. one passed by systemd.
public struct InheritedSocket: Sendable, Equatable {
    /// The listening socket's file descriptor.
    public var fileDescriptor: Int32
    /// Its name (systemd's `FileDescriptorName=`), for logs.
    public var name: String

    /// Describes an inherited listening socket.
    public init(fileDescriptor: Int32, name: String) {
        self.fileDescriptor = fileDescriptor
        self.name = name
    }
}

/// What a ``SpoolServer`` serves and how.
public struct ServerConfiguration: Sendable {
    /// The sockets to bind.
    public var listeners: [ListenAddress]
    /// Listening sockets to adopt as they are (Unix or TCP).
    public var inheritedSockets: [InheritedSocket] = []
    /// The largest job body accepted (`max-job-size`).
    public var maxJobSize: Int
    /// The beanstalkd version reported by `stats` as `version`, which clients
    /// compare to decide which commands the server has.
    public var protocolVersion = SpoolVersion.beanstalkdProtocol
    /// Spool's own version, reported by `stats` as `spool-version`.
    public var version: String
    /// The store's durability mode, as `stats` and the service status show it.
    public var durability = "off"

    /// Creates a configuration.
    public init(listeners: [ListenAddress], maxJobSize: Int = ProtocolLimits.defaultMaxJobSize, version: String = SpoolVersion.current) {
        self.listeners = listeners
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
