/// What a handler wrote to its standard output or standard error: the first
/// bytes, up to a limit, and the count of all of them. Bytes past the limit are
/// counted and dropped as they arrive, so that a flood costs no memory.
public struct CapturedOutput: Sendable, Equatable {
    /// The first bytes written, at most the limit.
    public private(set) var bytes: [UInt8] = []
    /// How many bytes were written in all.
    public private(set) var byteCount = 0

    /// Whether bytes past the limit were dropped.
    public var isTruncated: Bool { byteCount > bytes.count }

    init() {}

    /// Counts `chunk`, keeping what fits under `limit` bytes.
    mutating func append(_ chunk: UnsafeRawBufferPointer, keepingAtMost limit: Int) {
        byteCount += chunk.count
        let room = max(0, limit - bytes.count)
        bytes += chunk.prefix(room)
    }
}
