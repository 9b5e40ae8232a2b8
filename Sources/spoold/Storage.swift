import SpoolStore

/// Where jobs are kept and how hard the store works, from the command line.
enum Storage {
    /// Jobs in memory only, for `reason` (said in one line at start);
    /// `ignoredFlag` is a beanstalkd fsync flag (-f or -F) given without a
    /// state directory, which has no effect.
    case memory(reason: String, ignoredFlag: String?)
    /// Jobs kept durably in `directory`, committed as `mode` says.
    case durable(directory: String, mode: DurabilityMode)
    /// Jobs kept in the PostgreSQL database `conninfo` names, shared with
    /// the other nodes of a cluster.
    case cluster(conninfo: String)

    /// The durability mode; `off` in memory.
    var mode: DurabilityMode {
        if case .durable(_, let mode) = self { mode } else { .off }
    }
}
