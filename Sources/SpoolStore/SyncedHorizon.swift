import NIOCore

/// How far the journal was known fsynced: its latest commit in mode
/// `always` ended at ``offset`` of ``segment`` and was on the disk, as
/// `journal/synced` says (16 bytes, little-endian: u32 CRC-32C of the rest
/// | u32 "SYNC" | u32 segment | u32 offset).
///
/// A crash can only tear what was written after it, so recovery takes a
/// record of the last segment that cannot be read below it for damage, not
/// a torn write, and refuses to start rather than cut acknowledged jobs.
/// The file is written after an fsync (at most every 100 ms, and when the
/// store closes) without one of its own: it may lag (after a power cut, or
/// when its write failed), never lead.
struct SyncedHorizon: Equatable {
    /// The segment the latest synced commit ended in.
    var segment: UInt32
    /// Where in it that commit ended.
    var offset: UInt32

    /// Bytes of the file's record.
    static let size = 16
    /// "SYNC".
    private static let magic: UInt32 = 0x434E_5953

    init(segment: UInt32, offset: UInt32) {
        self.segment = segment
        self.offset = offset
    }

    /// The horizon `bytes` hold; nil when they are not an intact record.
    init?(decoding bytes: ByteBuffer) {
        var bytes = bytes
        guard bytes.readableBytes == Self.size,
            let checksum = bytes.readInteger(endianness: .little, as: UInt32.self),
            checksum == bytes.withUnsafeReadableBytes({ CRC32C.checksum($0) }),
            bytes.readInteger(endianness: .little, as: UInt32.self) == Self.magic,
            let segment = bytes.readInteger(endianness: .little, as: UInt32.self),
            let offset = bytes.readInteger(endianness: .little, as: UInt32.self)
        else { return nil }
        self.init(segment: segment, offset: offset)
    }

    /// The file's record.
    var encoded: ByteBuffer {
        var body = ByteBuffer()
        for word in [Self.magic, segment, offset] { body.writeInteger(word, endianness: .little) }
        var record = ByteBuffer()
        record.writeInteger(body.withUnsafeReadableBytes { CRC32C.checksum($0) }, endianness: .little)
        record.writeBuffer(&body)
        return record
    }
}
