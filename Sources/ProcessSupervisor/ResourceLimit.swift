/// One resource limit of a supervised process (soft and hard alike).
public enum ResourceLimit: Sendable, Equatable {
    /// At most this many units of the resource: bytes, seconds, files or processes.
    case limited(UInt64)
    /// No limit (`infinity`).
    case unlimited
}
