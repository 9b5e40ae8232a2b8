import NIOCore
import SpoolCore

/// A store that keeps every record it is given, durable at once.
final class RecordingStore: JobStore {
    private(set) var records: [StoreRecord] = []

    func stage(_ record: StoreRecord) -> CommitSequence {
        records.append(record)
        return CommitSequence(records.count)
    }

    var durableSequence: CommitSequence { CommitSequence(records.count) }

    var condition: StoreCondition { .healthy }

    func whenDurable(_ sequence: CommitSequence, _ action: @escaping (RejectedSequences) -> Void) {
        action([])
    }

    var rejectionHandler: ((StoreRecord) -> Void)?
}

/// Collects the outcomes of waiting reserves.
final class OutcomeRecorder: SessionDelegate {
    private(set) var outcomes: [ReserveOutcome] = []

    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome) {
        outcomes.append(outcome)
    }
}

/// An engine on a manual clock with a recording store.
struct Fixture {
    let clock = ManualClock()
    let store = RecordingStore()
    let engine: Engine

    init() {
        engine = Engine(clock: clock, store: store)
    }

    @discardableResult
    func put(_ session: Session, _ text: String = "job", priority: UInt32 = 0, delay: UInt32 = 0, ttr: UInt32 = 60) -> JobID {
        guard case .inserted(let id) = engine.put(session, priority: priority, delay: delay, ttr: ttr, body: ByteBuffer(string: text)) else {
            preconditionFailure("put refused")
        }
        return id
    }

    /// Reserves with a zero timeout and returns the job's id, or nil.
    func reserveNow(_ session: Session) -> JobID? {
        if case .reserved(let job)? = engine.reserve(session, timeout: 0) { return job.id }
        return nil
    }

    func advance(seconds: Double) {
        clock.advance(seconds: seconds)
        engine.processTimers()
    }
}

extension ReserveOutcome {
    var jobID: JobID? {
        if case .reserved(let job) = self { return job.id }
        return nil
    }
}
