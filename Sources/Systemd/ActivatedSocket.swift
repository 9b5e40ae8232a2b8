/// A listening socket passed to the process by systemd's socket activation.
public struct ActivatedSocket: Sendable, Equatable {
    /// The file descriptor, numbered from 3 (`SD_LISTEN_FDS_START`) in the
    /// order of the socket unit's `Listen…=` lines. The process owns it.
    public let fileDescriptor: Int32

    /// The name systemd gave the socket: the unit's `FileDescriptorName=`,
    /// by default the socket unit's name; `"unknown"` when the activating
    /// program passed no names.
    public let name: String

    /// Creates a description of an inherited socket.
    public init(fileDescriptor: Int32, name: String) {
        self.fileDescriptor = fileDescriptor
        self.name = name
    }
}
