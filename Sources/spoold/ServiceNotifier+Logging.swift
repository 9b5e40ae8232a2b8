import Logging
import Systemd

extension ServiceNotifier {
    /// Sends `states` to systemd; a failure is logged to `logger`, never
    /// silently dropped (and never ends spoold: systemd's view may lag, the
    /// queue goes on).
    func send(_ states: [NotifyState], logger: Logger) {
        do {
            try notify(states)
        } catch {
            logger.error("sd_notify failed", metadata: ["error": "\(error)", "states": "\(states)"])
        }
    }
}
