import DurationConversions
import NIOCore

extension TimeAmount {
    /// `duration` as NIO's time amount, negative ones as zero and at most
    /// about 146 years, so that NIO's deadline arithmetic (now plus the
    /// amount) never overflows.
    init(clamping duration: Duration) {
        self = .nanoseconds(min(max(duration.nanoseconds, 0), Int64.max / 2))
    }
}
