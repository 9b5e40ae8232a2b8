import SpoolCore

/// A failed handler attempt or a burial, as the dashboard lists it.
struct RecentFailure: Sendable {
    /// When it was seen, in seconds since the Unix epoch.
    var time: Double
    var job: JobID
    var tube: String
    var reason: String
    /// Buried (no attempt left, or by a client) rather than to be retried.
    var buried: Bool

    /// The failure an engine event tells of; nil for other events.
    init?(_ event: EngineEvent, time: Double) {
        switch event {
        case .jobBuried(let job, let tube, let reason):
            self.init(time: time, job: job, tube: tube, reason: reason, buried: true)
        case .attemptRetried(let job, let tube, let reason):
            self.init(time: time, job: job, tube: tube, reason: reason, buried: false)
        case .reservationTimedOut:
            return nil
        }
    }

    private init(time: Double, job: JobID, tube: String, reason: String, buried: Bool) {
        self.time = time
        self.job = job
        self.tube = tube
        self.reason = reason
        self.buried = buried
    }

    /// Writes it as a JSON object.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("t", time)
            json.member("job", job)
            json.member("tube", tube)
            json.member("reason", reason)
            json.member("buried", buried)
        }
    }
}
