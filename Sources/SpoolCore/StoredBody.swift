/// Where a store keeps a job's body, so that memory holds only what the
/// queue's order needs: a range of one of the store's files and the
/// checksum that the bytes read back must match.
public struct StoredBody: Sendable, Hashable {
    /// The store's file (the journal segment) that holds the body.
    public var segment: UInt32
    /// The body's first byte in that file.
    public var offset: UInt32
    /// The body's length in bytes.
    public var length: UInt32
    /// The body's CRC-32C.
    public var checksum: UInt32

    /// Describes a stored body.
    public init(segment: UInt32, offset: UInt32, length: UInt32, checksum: UInt32) {
        self.segment = segment
        self.offset = offset
        self.length = length
        self.checksum = checksum
    }
}
