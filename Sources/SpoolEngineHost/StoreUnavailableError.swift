/// The store cannot take changes now (its commits fail); nothing was changed.
public struct StoreUnavailableError: Error, CustomStringConvertible {
    /// One line for a log or an error reply.
    public var description: String { "the store cannot take changes now (see the journal); nothing was changed" }

    /// The error an engine throws when its store takes no changes now.
    public init() {}
}
