/// How much a tube may hold, as System V message queues have `msg_qbytes`
/// and RabbitMQ `max-length`: set by a queue file's `MaxJobs=`, `MaxBytes=`
/// and `WhenFull=`, or for every tube on spoold's command line.
public struct TubeLimits: Sendable, Equatable {
    /// What a put into a full tube does.
    public enum WhenFull: String, Sendable, CaseIterable {
        /// It is answered `OUT_OF_MEMORY` at once.
        case refuse
        /// It waits, unanswered, until the tube has room or the client's
        /// connection closes: backpressure without loss.
        case wait
    }

    /// The most jobs the tube holds, in any state; nil: no limit.
    public var maxJobs: Int?
    /// The most body bytes the tube holds; nil: no limit.
    public var maxBytes: Int?
    /// What a put into the full tube does.
    public var whenFull: WhenFull

    /// Describes a tube's limits; by default there are none.
    public init(maxJobs: Int? = nil, maxBytes: Int? = nil, whenFull: WhenFull = .refuse) {
        self.maxJobs = maxJobs
        self.maxBytes = maxBytes
        self.whenFull = whenFull
    }

    /// Whether any limit is set.
    public var isLimited: Bool { maxJobs != nil || maxBytes != nil }

    /// These limits, with `defaults` standing in for those not set.
    public func over(_ defaults: TubeLimits) -> TubeLimits {
        TubeLimits(maxJobs: maxJobs ?? defaults.maxJobs, maxBytes: maxBytes ?? defaults.maxBytes, whenFull: whenFull)
    }
}
