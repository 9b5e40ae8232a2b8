import CSystemd
import Glibc

/// Sends state notifications to the service manager over `NOTIFY_SOCKET`
/// (see `sd_notify(3)`).
///
/// ```swift
/// let notifier = ServiceNotifier()
/// try notifier.notify(.ready, .status("accepting connections"))
/// ```
///
/// Failures to send are thrown, never swallowed; a process that is not run
/// by a service manager is not a failure: the calls return `false`.
public struct ServiceNotifier: Sendable {
    /// Creates a notifier. It reads `NOTIFY_SOCKET` on every call.
    public init() {}

    /// Whether notifications go anywhere: `NOTIFY_SOCKET` is set.
    public var isEnabled: Bool {
        getenv("NOTIFY_SOCKET") != nil
    }

    /// Sends `states` in one notification message.
    ///
    /// - Returns: `true` when the message was sent, `false` when
    ///   `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdError`` when the message could not be sent.
    @discardableResult
    public func notify(_ states: NotifyState...) throws -> Bool {
        try notify(states)
    }

    /// Sends `states` in one notification message.
    ///
    /// - Returns: `true` when the message was sent, `false` when
    ///   `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdError`` when the message could not be sent.
    @discardableResult
    public func notify(_ states: [NotifyState]) throws -> Bool {
        let result = Self.message(states).withCString { sd_notify(0, $0) }
        return try Self.check(result, function: "sd_notify")
    }

    /// Sends `states` in one notification message, together with
    /// `fileDescriptors`; used with ``NotifyState/fdStore(name:)`` to keep
    /// descriptors in the service manager across restarts. The caller keeps
    /// its own copies of the descriptors and may close them afterwards.
    ///
    /// - Returns: `true` when the message was sent, `false` when
    ///   `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdError`` when the message could not be sent.
    @discardableResult
    public func notify(_ states: [NotifyState], fileDescriptors: [Int32]) throws -> Bool {
        let result = Self.message(states).withCString { message in
            fileDescriptors.withUnsafeBufferPointer { descriptors in
                sd_pid_notify_with_fds(0, 0, message, descriptors.baseAddress, UInt32(descriptors.count))
            }
        }
        return try Self.check(result, function: "sd_pid_notify_with_fds")
    }

    /// The notification message: every assignment of every state, one per line.
    static func message(_ states: [NotifyState]) -> String {
        states.flatMap(\.assignments).joined(separator: "\n")
    }

    /// Maps an sd_* result: positive is sent, zero is no socket,
    /// negative is an error.
    private static func check(_ result: Int32, function: String) throws -> Bool {
        guard result >= 0 else { throw SystemdError(errno: result, function: function) }
        return result > 0
    }
}
