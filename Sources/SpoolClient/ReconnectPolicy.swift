import DurationConversions

/// How a client (re)connects: how many attempts it makes, and how long it
/// waits between them.
///
/// The first attempt is made at once. Before attempt `n` (from 2 on) the
/// client waits ``delay(beforeAttempt:jitter:)``: a capped exponential
/// backoff with equal jitter, so that clients that lost the same server do not
/// all come back in the same instant. When every attempt has failed, the
/// command that needed the connection throws
/// ``SpoolClientError/connectionFailed(_:)`` with the last failure.
public struct ReconnectPolicy: Sendable, Hashable {
    /// The base delay before the second attempt. Default 100 ms.
    public var initialDelay: Duration
    /// The cap on the base delay. Default 5 s.
    public var maximumDelay: Duration
    /// The factor the base delay grows by from one attempt to the next. Default 2.
    public var multiplier: Double
    /// How many connection attempts one (re)connect makes, the first one
    /// included; `nil` retries forever. Values below 1 count as 1.
    /// Default 10 (about 20 s of trying with the default delays).
    public var maximumAttempts: Int?

    /// A policy with the given values; every one has a default.
    public init(initialDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(5),
                multiplier: Double = 2, maximumAttempts: Int? = 10) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.maximumAttempts = maximumAttempts
    }

    /// One connection attempt and no retry: a server that is not there fails
    /// the command at once (what a command-line tool wants).
    public static let never = ReconnectPolicy(maximumAttempts: 1)

    /// The defaults: 10 attempts, 100 ms doubling up to 5 s, with jitter.
    public static let standard = ReconnectPolicy()

    /// The longest wait in nanoseconds (about 292 years), so that any policy converts to a `Duration`.
    private static let longestDelay = Int64.max / 2

    /// Whether attempt number `attempt` (counted from 1) may be made.
    func allows(attempt: Int) -> Bool {
        guard let maximumAttempts else { return true }
        return attempt <= max(1, maximumAttempts)
    }

    /// The wait before attempt `n` (counted from 1; the first attempt has none).
    ///
    /// The base is `initialDelay × multiplier^(n − 2)`, capped at
    /// `maximumDelay`; the wait is its half plus `jitter` times its other half
    /// ("equal jitter"), so it lies between half the base and the base.
    ///
    /// - Parameters:
    ///   - n: the attempt about to be made.
    ///   - jitter: a random number from 0 to 1 (clamped to that range).
    /// - Returns: zero for `n <= 1`, else a duration between half the capped
    ///   base and the capped base.
    public func delay(beforeAttempt n: Int, jitter: Double) -> Duration {
        guard n > 1 else { return .zero }
        let cap = Double(min(max(0, maximumDelay.nanoseconds), Self.longestDelay))
        let initial = Double(max(0, initialDelay.nanoseconds))
        let growth = Double.pow(multiplier.isNaN ? 1 : max(multiplier, 0), n - 2)
        let base = initial == 0 ? 0 : min(initial * growth, cap)
        let fraction = jitter.isNaN ? 0 : min(max(jitter, 0), 1)
        let wait = base / 2 + base / 2 * fraction
        return .nanoseconds(Int64(min(wait, cap).rounded()))
    }
}

extension Double {
    /// `base` raised to a non-negative whole `exponent`, by repeated squaring.
    fileprivate static func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var factor = base
        var rest = exponent
        while rest > 0 {
            if rest & 1 == 1 { result *= factor }
            factor *= factor
            rest >>= 1
            if result.isInfinite { break }
        }
        return result
    }
}
