import SpoolCore
import SpoolProtocol

/// Which changes the store's condition lets through: the one place that
/// decides, for protocol commands and admin operations alike.
///
/// As beanstalkd answers when its binlog cannot be written: a store short of
/// space refuses new jobs (deletes free space), a store whose commits fail
/// refuses every change. Reads always pass. Nothing is applied when refused.
enum StorePolicy {
    /// What a request does to the queue, as far as the store is concerned.
    enum Change {
        /// It adds a job.
        case newJob
        /// It changes or removes jobs, or the queue's state.
        case other
        /// It changes nothing durable.
        case none
    }

    /// Whether `condition` refuses `change`.
    static func refuses(_ change: Change, under condition: StoreCondition) -> Bool {
        switch (condition, change) {
        case (.healthy, _), (_, .none), (.full, .other): false
        case (.full, .newJob), (.failing, _): true
        }
    }

    /// What a protocol command changes; `reserve-job` of a buried job is a
    /// change (a kick), of any other job a reservation, which is not stored.
    static func change(of command: Command, in engine: Engine) -> Change {
        switch command {
        case .put: .newJob
        case .delete, .release, .bury, .kick, .kickJob, .pauseTube: .other
        case .reserveJob(let id): engine.jobStats(id)?.state == .buried ? .other : .none
        default: .none
        }
    }

    /// beanstalkd's reply for a refused command: `OUT_OF_MEMORY` for a put,
    /// `INTERNAL_ERROR` for the rest.
    static func reply(for command: Command) -> Reply.Word {
        if case .put = command { .outOfMemory } else { .internalError }
    }
}
