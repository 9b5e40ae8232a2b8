/// How a ``SpoolClient`` (or a ``Consumer``'s client) connects.
public struct ClientConfiguration: Sendable {
    /// How many attempts a (re)connect makes and how long it waits between
    /// them. Default ``ReconnectPolicy/standard``.
    public var reconnect: ReconnectPolicy
    /// How long one connection attempt may take before it counts as failed.
    /// Default 5 s.
    public var connectTimeout: Duration

    /// Waits between connection attempts; tests replace it to run without time passing.
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// The jitter for ``ReconnectPolicy/delay(beforeAttempt:jitter:)``, from 0 to 1.
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }

    /// A configuration with the given policy and connect timeout.
    public init(reconnect: ReconnectPolicy = .standard, connectTimeout: Duration = .seconds(5)) {
        self.reconnect = reconnect
        self.connectTimeout = connectTimeout
    }
}
