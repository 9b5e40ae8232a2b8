import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Why spoold's main loop wakes up.
enum LifecycleEvent: Sendable {
    /// A process signal arrived.
    case signal(Int32)
    /// The daemon has been idle for the configured time.
    case idle
}

/// Delivers process signals through Dispatch sources (the signals' default
/// actions are disabled while it is alive).
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "spoold.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }
}
