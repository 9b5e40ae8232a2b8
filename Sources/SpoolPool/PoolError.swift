/// A request to the worker pool that cannot be met.
public enum PoolError: Error, Equatable, CustomStringConvertible {
    /// No queue file configures a pool for this tube.
    case noSuchPool(String)
    /// A worker count outside 0 to 256.
    case badWorkerCount(Int)

    /// One line for a log or an error reply.
    public var description: String {
        switch self {
        case .noSuchPool(let tube): "tube \"\(tube)\" has no worker pool: no file in the queue directory configures it"
        case .badWorkerCount(let count): "\(count) workers: a pool has 0 to \(PoolError.maximumWorkers)"
        }
    }

    /// The most workers one pool may have.
    public static let maximumWorkers = 256
}
