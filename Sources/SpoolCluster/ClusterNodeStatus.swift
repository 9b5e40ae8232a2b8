import SpoolEngineHost

/// What a cluster node tells its service manager: whether it is registered
/// (serving) and how many clients it has.
public struct ClusterNodeStatus: ServiceStatus, Equatable {
    /// The node's id in `spool_nodes`; nil while it has lost the database.
    public let node: Int32?
    /// The protocol connections open now.
    public let connections: Int

    /// Whether the node has no client: the condition `--exit-when-idle`
    /// counts (a node's jobs are in the database, not in the node).
    public var isIdle: Bool { connections == 0 }

    /// The `STATUS=` line.
    public var statusLine: String {
        let clients = "\(connections) connection\(connections == 1 ? "" : "s")"
        guard let node else { return "lost PostgreSQL, reconnecting; \(clients)" }
        return "cluster node \(node) on PostgreSQL; \(clients)"
    }
}
