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

/// Where a ``SpoolServer`` listens.
public struct ServerConfiguration: Sendable {
    /// The sockets to bind.
    public var listeners: [ListenAddress]
    /// Listening sockets to adopt as they are (Unix or TCP).
    public var inheritedSockets: [InheritedSocket] = []

    /// Creates a configuration.
    public init(listeners: [ListenAddress], inheritedSockets: [InheritedSocket] = []) {
        self.listeners = listeners
        self.inheritedSockets = inheritedSockets
    }
}
