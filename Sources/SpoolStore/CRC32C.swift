import CCRC32C

/// CRC-32C (Castagnoli), the checksum of the journal's records: the one
/// ext4, iSCSI and LevelDB use. The processor's CRC instruction computes it
/// where there is one (some ten times faster than tables, which recovery
/// feels: it checks every record's header); tables do elsewhere.
enum CRC32C {
    /// The checksum of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ccrc32c_checksum(bytes.baseAddress, bytes.count)
    }
}
