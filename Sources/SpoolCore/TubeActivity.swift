/// What has happened in a tube since spoold started, for metrics: cumulative
/// counts and how long its jobs waited and ran. Unlike ``TubeStats`` it
/// outlives the tube (beanstalkd forgets an empty tube nobody uses), so that
/// its counters only ever grow.
///
/// The engine keeps one for each of the first ``Engine/observedTubeLimit``
/// tube names it sees and one for all the others (``tube`` nil), so that a
/// client creating tubes without end cannot grow it.
public struct TubeActivity: Sendable, Equatable {
    /// The tube's name; nil for the tubes past the limit, counted together.
    public let tube: String?
    /// Jobs put.
    public internal(set) var puts: UInt64 = 0
    /// Reservations handed out.
    public internal(set) var reserves: UInt64 = 0
    /// Jobs deleted.
    public internal(set) var deletes: UInt64 = 0
    /// Seconds from the moment a job became ready (put, end of its delay,
    /// release, kick, timed-out reservation) until it was reserved.
    public internal(set) var waitTime = Histogram(upperBounds: Histogram.jobDurationBounds)
    /// Seconds from a reservation to the delete of the job by its holder.
    public internal(set) var runTime = Histogram(upperBounds: Histogram.jobDurationBounds)

    /// The activity of `tube` (nil: the tubes past the limit), all zero.
    public init(tube: String?) {
        self.tube = tube
    }
}
