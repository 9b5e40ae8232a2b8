import SpoolCore

extension StoredBody {
    /// What the live job whose body this is costs its segment, at least: its
    /// body and its insert's fixed fields (``JournalRecord/insertOverheadBytes``).
    var liveBytes: Int { Int(length) + JournalRecord.insertOverheadBytes }
}
