/// How a ``SpoolClient`` (or a ``Consumer``'s client) connects.
public struct ClientConfiguration: Sendable {
    /// How many attempts a (re)connect makes and how long it waits between
    /// them. Default ``ReconnectPolicy/standard``.
    public var reconnect: ReconnectPolicy
    /// How long one connection attempt may take before it counts as failed.
    /// Default 5 s.
    public var connectTimeout: Duration
    /// How long a reply may take, counted from when its command is written
    /// or the reply before it arrives, whichever is later; a
    /// `reserve-with-timeout`'s own wait is added, and a plain `reserve`
    /// (which may wait for ever) has no limit. When it runs out, the
    /// connection closes: the command fails with
    /// ``SpoolClientError/timedOut(_:)`` (it may or may not have been
    /// applied) and the commands after it with
    /// ``SpoolClientError/connectionClosed``; the next command reconnects as
    /// ``reconnect`` allows. Default nil: no limit.
    public var replyTimeout: Duration?

    /// Waits between connection attempts; tests replace it to run without time passing.
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// The jitter for ``ReconnectPolicy/delay(beforeAttempt:jitter:)``, from 0 to 1.
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }

    /// A configuration with the given policy and timeouts.
    public init(reconnect: ReconnectPolicy = .standard, connectTimeout: Duration = .seconds(5), replyTimeout: Duration? = nil) {
        self.reconnect = reconnect
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
    }
}
