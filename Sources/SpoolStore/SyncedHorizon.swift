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
    init?(decoding bytes: [UInt8]) {
        guard bytes.count == Self.size else { return nil }
        let words = (0..<4).map { index in
            UInt32(bytes[4 * index]) | UInt32(bytes[4 * index + 1]) << 8 | UInt32(bytes[4 * index + 2]) << 16
                | UInt32(bytes[4 * index + 3]) << 24
        }
        let checked = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[4...])) }
        guard words[0] == checked, words[1] == Self.magic else { return nil }
        self.init(segment: words[2], offset: words[3])
    }

    /// The file's record.
    var encoded: [UInt8] {
        let body = [Self.magic, segment, offset].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let checksum = body.withUnsafeBytes { CRC32C.checksum($0) }
        return (0..<4).map { UInt8(truncatingIfNeeded: checksum >> (8 * $0)) } + body
    }
}
