import NIOCore
import SpoolCore

/// Keeps exactly one scheduled task armed for the engine's next timer
/// deadline, so that delays, TTRs, pauses and reserve timeouts fire on time
/// without polling. Lives on the engine's loop.
final class EngineTimer {
    private let engine: Engine
    private let eventLoop: EventLoop
    /// Told after the timers that came due were processed.
    var didFire: (() -> Void)?
    private var timer: Scheduled<Void>?
    private var armedDeadline: Int64 = .max

    init(engine: Engine, eventLoop: EventLoop) {
        self.engine = engine
        self.eventLoop = eventLoop
    }

    /// Re-arms the timer if the engine's next deadline moved earlier. Called
    /// after every batch of changes; a deadline that moved later is left
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
        didFire?()
    }

    /// Stops the timer, at shutdown.
    func stop() {
        timer?.cancel()
        timer = nil
        armedDeadline = .max
    }
}
