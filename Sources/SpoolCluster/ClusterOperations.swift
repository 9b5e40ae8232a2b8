/// The statements behind what both a protocol command and the control
/// plane do on a node (`kick` and `Kick`, `pause-tube` and `Pause`), run on
/// a pool connection.
enum ClusterOperations {
    /// Kicks up to `bound` buried jobs of `tube`, else up to `bound` delayed ones; how many.
    static func kick(_ tube: String, bound: UInt32, on db: PostgresConnection) throws(ClusterError) -> UInt32 {
        var kicked = try db.execute(ClusterStatements.kickBuried, [.text(tube), .int64(Int64(bound))]).affected
        if kicked == 0 { kicked = try db.execute(ClusterStatements.kickDelayed, [.text(tube), .int64(Int64(bound))]).affected }
        return UInt32(kicked)
    }

    /// Pauses `tube` for `seconds` (0 ends a pause); false when the tube
    /// has no row and `known` (used or watched on this node) is false.
    static func pause(_ tube: String, seconds: UInt32, known: Bool, on db: PostgresConnection) throws(ClusterError) -> Bool {
        try db.execute(ClusterStatements.pause, [.text(tube), .int64(Int64(seconds)), .int32(known ? 1 : 0)]).count == 1
    }
}
