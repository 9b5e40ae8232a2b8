/// Why the cluster store could not do what was asked.
public enum ClusterError: Error, CustomStringConvertible, Sendable {
    /// libpq could not be loaded (`libpq5` not installed).
    case libraryMissing(String)
    /// No connection to the database: libpq's message.
    case connection(String)
    /// A statement failed: its SQLSTATE and PostgreSQL's message.
    case statement(sqlState: String, message: String)
    /// The database holds a schema of a newer spoold.
    case newerSchema(found: Int, supported: Int)
    /// The database holds tables named like Spool's that are not Spool's.
    case foreignSchema(String)
    /// The node lost its registration (its liveness connection dropped) and
    /// serves nothing until it has registered again.
    case nodeNotRegistered

    public var description: String {
        switch self {
        case .libraryMissing(let reason): "cannot load libpq (install libpq5): \(reason)"
        case .connection(let message): "cannot connect to PostgreSQL: \(message)"
        case .statement(let state, let message): "PostgreSQL refused a statement (\(state)): \(message)"
        case .newerSchema(let found, let supported):
            "the database holds Spool schema version \(found), newer than this spoold's \(supported): run a newer spoold"
        case .foreignSchema(let detail): "the database is not a Spool database: \(detail)"
        case .nodeNotRegistered: "this node is reconnecting to PostgreSQL"
        }
    }

    /// Whether the connection that returned this error is broken.
    var breaksConnection: Bool {
        switch self {
        case .connection: true
        case .statement(let state, _): state.hasPrefix("08") || state.hasPrefix("57P") || state.isEmpty
        default: false
        }
    }
}
