/// Reads the integers of a command line exactly as beanstalkd's C parser does,
/// so that edge cases (leading spaces, signs, overflow, trailing bytes) get the
/// same answers.
struct NumberScanner {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// C's `isspace` in the "C" locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Scans a run of decimal digits; nil when the value exceeds `UInt64.max`.
    private mutating func digits() -> UInt64? {
        var value: UInt64 = 0
        var overflow = false
        while position < bytes.count, Self.isDigit(bytes[position]) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = sum
            position += 1
        }
        return overflow ? nil : value
    }

    /// beanstalkd's `read_u64`/`read_u32`: skips spaces, requires a digit, rejects
    /// values above `limit`; with `toEnd`, the number must end the line.
    mutating func unsigned(limit: UInt64, toEnd: Bool) -> UInt64? {
        var probe = self
        while probe.position < bytes.count, bytes[probe.position] == UInt8(ascii: " ") {
            probe.position += 1
        }
        guard probe.position < bytes.count, Self.isDigit(bytes[probe.position]),
            let value = probe.digits(), value <= limit
        else { return nil }
        if toEnd, !probe.isAtEnd { return nil }
        self = probe
        return value
    }

    /// Skips white space and an optional sign, as `strtol`/`strtoul` do; returns whether
    /// the sign was a minus.
    private mutating func signPrefix() -> Bool {
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
        guard position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "-"):
            position += 1
            return true
        case UInt8(ascii: "+"):
            position += 1
            return false
        default:
            return false
        }
    }

    /// C's `strtol` truncated to `int`, as `reserve-with-timeout` reads its argument:
    /// no digits reads as 0, trailing bytes are ignored, overflow is an error.
    mutating func cLong() -> Int32? {
        let negative = signPrefix()
        let start = position
        guard let magnitude = digits() else { return nil }
        if position == start { return 0 }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard magnitude <= limit else { return nil }
        let value = negative ? Int64(bitPattern: 0 &- magnitude) : Int64(magnitude)
        return Int32(truncatingIfNeeded: value)
    }

    /// C's `strtoul` truncated to `unsigned int`, as `kick` reads its bound: at least
    /// one digit, trailing bytes ignored, a minus sign wraps around, overflow is an error.
    mutating func cUnsignedLong() -> UInt32? {
        let negative = signPrefix()
        let start = position
        guard let magnitude = digits(), position > start else { return nil }
        let value = negative ? 0 &- magnitude : magnitude
        return UInt32(truncatingIfNeeded: value)
    }
}
