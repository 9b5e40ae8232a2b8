import Logging
import NIOCore
import SpoolCore

/// Runs the engine on its event loop: owns the dispatcher and keeps exactly
/// one scheduled task armed for the engine's next timer deadline, so that
/// delays, TTRs, pauses and reserve timeouts fire on time without polling.
final class EngineDriver {
    let engine: Engine
    let dispatcher: CommandDispatcher
    let eventLoop: EventLoop
    /// Told of every engine event, on the loop.
    var observers: [@Sendable (EngineEvent) -> Void] = []
    private var timer: Scheduled<Void>?
    private var armedDeadline: Int64 = .max

    init(engine: Engine, configuration: ServerConfiguration, eventLoop: EventLoop, logger: Logger) {
        self.engine = engine
        self.dispatcher = CommandDispatcher(engine: engine, configuration: configuration)
        self.eventLoop = eventLoop
        engine.onEvent = { [unowned self] event in
            Self.log(event, logger)
            observers.forEach { $0(event) }
        }
    }

    private static func log(_ event: EngineEvent, _ logger: Logger) {
        switch event {
        case .reservationTimedOut(let job, let tube):
            logger.notice("reservation timed out; job is ready again", metadata: ["job_id": "\(job)", "tube": "\(tube)"])
        case .jobBuried(let job, let tube, let reason):
            logger.info("job buried", metadata: ["job_id": "\(job)", "tube": "\(tube)", "reason": "\(reason)"])
        }
    }

    /// Re-arms the timer if the engine's next deadline moved earlier. Called
    /// after every batch of commands; a deadline that moved later is left
    /// armed, and firing early is harmless.
    func engineDidChange() {
        guard let next = engine.nextDeadline, next < armedDeadline else { return }
        timer?.cancel()
        armedDeadline = next
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(next, 0)))
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.fire()
        }
    }

    private func fire() {
        timer = nil
        armedDeadline = .max
        engine.processTimers()
        engineDidChange()
    }

    /// The counts behind `STATUS=` and idle detection.
    var snapshot: ServerSnapshot {
        let stats = engine.stats
        return ServerSnapshot(
            ready: stats.ready, reserved: stats.reserved, delayed: stats.delayed, buried: stats.buried,
            tubes: stats.tubes, connections: stats.sessions, durability: dispatcher.configuration.durability)
    }

    /// Stops the timer, at shutdown.
    func stop() {
        timer?.cancel()
        timer = nil
        armedDeadline = .max
    }
}
