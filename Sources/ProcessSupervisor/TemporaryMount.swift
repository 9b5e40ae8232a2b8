/// A tmpfs mounted over a directory in a handler's own mount namespace: an
/// empty directory of its own for each attempt (systemd's `PrivateTmp=` and
/// `TemporaryFileSystem=`), gone with the handler.
public struct TemporaryMount: Sendable, Equatable, Hashable {
    /// The directory it hides, an absolute path.
    public let path: String
    /// tmpfs's mount options, such as `mode=1777` or `size=64m`.
    public let options: String
    /// Whether it is mounted read-only.
    public let readOnly: Bool
    /// Whether a missing directory is skipped instead of failing the start.
    public let optional: Bool

    /// A tmpfs over `path`.
    public init(path: String, options: String, readOnly: Bool = false, optional: Bool = false) {
        self.path = path
        self.options = options
        self.readOnly = readOnly
        self.optional = optional
    }
}
