import SpoolCore
import SpoolProtocol

/// A connection served by the local engine: its ``Session``, whose waits'
/// outcomes it turns into replies for the connection.
final class LocalConnection: EngineConnection, SessionDelegate {
    private let engine: LoopEngine
    private weak var delegate: EngineConnectionDelegate?
    private var session: Session!

    init(engine: LoopEngine, delegate: EngineConnectionDelegate) {
        self.engine = engine
        self.delegate = delegate
        session = engine.openSession(delegate: self)
    }

    func execute(_ command: Command) -> Execution { engine.execute(command, session: session) }
    func startPut(bodyFits: Bool) { engine.startPut(session: session, bodyFits: bodyFits) }
    func abandonPut() { engine.abandonPut(session: session) }
    func countMalformedPauseTube() { engine.countMalformedPauseTube() }
    func cancelWait() -> Reply? { engine.cancelWait(session) }
    func close() { engine.closeSession(session) }
    func isDurable(_ point: CommitSequence) -> Bool { engine.isDurable(point) }

    func whenDurable(_ point: CommitSequence, _ action: @escaping (RejectedSequences) -> Void) {
        engine.whenDurable(point, action)
    }

    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome) {
        let durableAfter: CommitSequence = if case .reserved(let job) = outcome { job.durableAfter } else { 0 }
        delegate?.connectionDidFinishWaiting(with: LoopEngine.reply(for: outcome), durableAfter: durableAfter)
    }

    func session(_ session: Session, didFinishPut id: JobID, durableAfter: CommitSequence) {
        delegate?.connectionDidFinishWaiting(with: .inserted(id), durableAfter: durableAfter)
    }

    func sessionDidRefuseHeldPut(_ session: Session) {
        delegate?.connectionDidFinishWaiting(with: .word(.outOfMemory), durableAfter: 0)
    }
}
