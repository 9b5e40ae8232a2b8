import Foundation

/// Values appended from any task, read from any other.
public final class Recorder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Value] = []

    /// An empty recorder.
    public init() {}

    /// Appends `value`.
    public func append(_ value: Value) {
        lock.withLock { recorded.append(value) }
    }

    /// Appends `value` only if nothing was recorded yet; returns whether it did.
    public func appendIfEmpty(_ value: Value) -> Bool {
        lock.withLock {
            guard recorded.isEmpty else { return false }
            recorded.append(value)
            return true
        }
    }

    /// Everything appended so far, in order.
    public var values: [Value] { lock.withLock { recorded } }
}
