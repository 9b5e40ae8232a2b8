import DurationConversions
import SpoolPrimitives
import SpoolProtocol

/// Checks and converts arguments to what the protocol carries, before anything is sent.
enum ProtocolArguments {
    /// `tube` if it is a valid tube name.
    ///
    /// - Throws: ``SpoolClientError/invalidArgument(_:)`` naming the tube and the rule.
    static func tube(_ tube: String) throws -> String {
        guard TubeName.isValid(tube) else {
            throw SpoolClientError.invalidArgument(
                "invalid tube name \"\(tube)\": 1 to \(TubeName.maximumLength) bytes of A-Z a-z 0-9 - + / ; . $ _ ( ), not starting with -")
        }
        return tube
    }

    /// `duration` in whole seconds, rounded up, at least `minimum`, as the
    /// protocol's unsigned 32-bit count of seconds.
    ///
    /// - Throws: ``SpoolClientError/invalidArgument(_:)`` for a negative
    ///   duration or one longer than 2³² − 1 seconds.
    static func seconds(_ duration: Duration, of what: String, minimum: UInt32 = 0) throws -> UInt32 {
        max(UInt32(try wholeSeconds(duration, of: what, limit: UInt64(UInt32.max))), minimum)
    }

    /// `timeout` in whole seconds, rounded up, as `reserve-with-timeout` takes it (a signed 32-bit count).
    static func timeout(_ timeout: Duration) throws -> Int32 {
        Int32(try wholeSeconds(timeout, of: "reserve timeout", limit: UInt64(Int32.max)))
    }

    /// A body no server can take is refused here rather than sent.
    static func body(_ body: [UInt8]) throws -> [UInt8] {
        guard body.count <= ProtocolLimits.maxJobSizeCeiling else {
            throw SpoolClientError.invalidArgument(
                "a job body of \(body.count) bytes is more than any server takes (\(ProtocolLimits.maxJobSizeCeiling))")
        }
        return body
    }

    /// A count for `kick`, which the protocol carries as an unsigned 32-bit number.
    static func bound(_ bound: Int) throws -> UInt32 {
        guard let value = UInt32(exactly: bound) else {
            throw SpoolClientError.invalidArgument("kick bound \(bound) is not between 0 and \(UInt32.max)")
        }
        return value
    }

    private static func wholeSeconds(_ duration: Duration, of what: String, limit: UInt64) throws -> UInt64 {
        guard duration >= .zero else {
            throw SpoolClientError.invalidArgument("\(what) \(duration) is negative")
        }
        let whole = UInt64(duration.secondsRoundedUp)
        guard whole <= limit else {
            throw SpoolClientError.invalidArgument("\(what) \(duration) is longer than \(limit) seconds")
        }
        return whole
    }
}
