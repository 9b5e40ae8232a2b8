import Glibc

/// One state change a service reports to its service manager with
/// ``ServiceNotifier`` (see `sd_notify(3)`).
///
/// Each state becomes one or more `VARIABLE=value` lines of the notification
/// message, listed by ``assignments``.
public enum NotifyState: Sendable, Equatable {
    /// Start-up is finished: `READY=1`. A `Type=notify` service counts as
    /// started only after this.
    case ready

    /// The service is reloading its configuration: `RELOADING=1` and
    /// `MONOTONIC_USEC=`. Send ``ready`` when the reload is done.
    ///
    /// systemd 253 and later require the `CLOCK_MONOTONIC` time at which
    /// the reload began; earlier versions ignore it. ``reloadingNow()`` fills
    /// it in.
    case reloading(monotonicMicroseconds: UInt64)

    /// The service is shutting down: `STOPPING=1`.
    case stopping

    /// A one-line, human-readable status shown by `systemctl status`:
    /// `STATUS=`. Line breaks and NUL characters become spaces.
    case status(String)

    /// A keep-alive ping for the service watchdog: `WATCHDOG=1`.
    /// See ``Watchdog``.
    case watchdog

    /// Asks the service manager to act as if the watchdog timed out:
    /// `WATCHDOG=trigger`.
    case watchdogTrigger

    /// Extends the current start-up, reload or stop timeout so that it ends
    /// this many microseconds from now: `EXTEND_TIMEOUT_USEC=`.
    case extendTimeout(microseconds: UInt64)

    /// The main process of the service is this process id: `MAINPID=`.
    case mainPID(Int32)

    /// The service failed with this errno value: `ERRNO=`.
    case errno(Int32)

    /// Stores the file descriptors sent with this notification in the
    /// service manager under `name`: `FDSTORE=1` and `FDNAME=`. Send it with
    /// ``ServiceNotifier/notify(_:fileDescriptors:)``; systemd keeps the
    /// descriptors only when the unit sets `FileDescriptorStoreMax=`.
    /// Line breaks and NUL characters in the name become spaces.
    case fdStore(name: String)

    /// ``reloading(monotonicMicroseconds:)`` stamped with the current
    /// `CLOCK_MONOTONIC` time.
    public static func reloadingNow() -> NotifyState {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        return .reloading(monotonicMicroseconds: microseconds)
    }

    /// The exact `VARIABLE=value` lines this state contributes to a
    /// notification message, in order.
    public var assignments: [String] {
        switch self {
        case .ready:
            ["READY=1"]
        case .reloading(let microseconds):
            ["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"]
        case .stopping:
            ["STOPPING=1"]
        case .status(let text):
            ["STATUS=\(Self.singleLine(text))"]
        case .watchdog:
            ["WATCHDOG=1"]
        case .watchdogTrigger:
            ["WATCHDOG=trigger"]
        case .extendTimeout(let microseconds):
            ["EXTEND_TIMEOUT_USEC=\(microseconds)"]
        case .mainPID(let pid):
            ["MAINPID=\(pid)"]
        case .errno(let value):
            ["ERRNO=\(value)"]
        case .fdStore(let name):
            ["FDSTORE=1", "FDNAME=\(Self.singleLine(name))"]
        }
    }

    /// `text` with every line break and NUL replaced by a space, so that it
    /// can neither start another assignment nor cut the message short.
    private static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\0" ? " " : $0 })
    }
}
