import ArgumentParser
import DBus
import SpoolControlAPI

/// The state `spoolctl purge --state` takes.
extension QueueAPI.PurgeState: ExpressibleByArgument {
    /// The queue's properties that count the jobs a purge of this state deletes.
    var counters: [PropertyDeclaration] {
        switch self {
        case .ready: [QueueAPI.jobsReady]
        case .delayed: [QueueAPI.jobsDelayed]
        case .buried: [QueueAPI.jobsBuried]
        case .all: [QueueAPI.jobsReady, QueueAPI.jobsDelayed, QueueAPI.jobsBuried]
        }
    }
}
