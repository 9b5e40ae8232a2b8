/// What a durable store held when the daemon started: the jobs to restore, the
/// pauses still running and the next job id, so that ids never repeat.
public struct RecoveredQueue: Sendable, Equatable {
    /// A tube's pause as recorded.
    public struct Pause: Sendable, Equatable {
        /// The tube's name.
        public var tube: String
        /// When the pause ends (wall clock, nanoseconds since the epoch).
        public var untilWall: Int64
        /// The pause's full length, in nanoseconds.
        public var duration: Int64

        /// Describes a recorded pause.
        public init(tube: String, untilWall: Int64, duration: Int64) {
            self.tube = tube
            self.untilWall = untilWall
            self.duration = duration
        }
    }

    /// Every stored job, bodies included, in id order.
    public var jobs: [JobRecord]
    /// Every recorded pause (expired ones are ignored on restore).
    public var pauses: [Pause]
    /// The lowest id never handed out.
    public var nextJobID: JobID

    /// Describes a recovered queue.
    public init(jobs: [JobRecord] = [], pauses: [Pause] = [], nextJobID: JobID = 1) {
        self.jobs = jobs
        self.pauses = pauses
        self.nextJobID = nextJobID
    }
}
