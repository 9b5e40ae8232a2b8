/// The queue's counts at one moment, as the service status shows them.
public struct StatusSnapshot: ServiceStatus, Equatable {
    /// Ready jobs.
    public var ready: Int
    /// Reserved jobs.
    public var reserved: Int
    /// Delayed jobs.
    public var delayed: Int
    /// Buried jobs.
    public var buried: Int
    /// Existing tubes.
    public var tubes: Int
    /// Open client connections.
    public var connections: Int
    /// The store's durability mode.
    public var durability: String

    /// Creates a snapshot.
    public init(ready: Int, reserved: Int, delayed: Int, buried: Int, tubes: Int, connections: Int, durability: String) {
        self.ready = ready
        self.reserved = reserved
        self.delayed = delayed
        self.buried = buried
        self.tubes = tubes
        self.connections = connections
        self.durability = durability
    }

    /// No jobs in any state and no connections: the daemon may exit when idle.
    public var isIdle: Bool { ready + reserved + delayed + buried == 0 && connections == 0 }

    /// The one-line status systemd shows, e.g.
    /// `12 ready, 3 reserved, 1 delayed, 2 buried in 4 tubes; 5 connections; durability always`.
    public var statusLine: String {
        "\(ready) ready, \(reserved) reserved, \(delayed) delayed, \(buried) buried in \(tubes) \(tubes == 1 ? "tube" : "tubes"); "
            + "\(connections) \(connections == 1 ? "connection" : "connections"); durability \(durability)"
    }
}
