/// systemd's time spans (`systemd.time(7)`): numbers with units, added up, as
/// in `30s`, `5min`, `1h 30s`, `1.5h` or `500ms`. A number without a unit is in seconds.
enum TimeSpan {
    /// Nanoseconds per unit, under each of its names.
    private static let units: [Substring: UInt64] = {
        let second: UInt64 = 1_000_000_000
        let names: [([Substring], UInt64)] = [
            (["nsec", "ns"], 1),
            (["usec", "us", "µs", "μs"], 1_000),
            (["msec", "ms"], 1_000_000),
            (["seconds", "second", "sec", "s", ""], second),
            (["minutes", "minute", "min", "m"], 60 * second),
            (["hours", "hour", "hr", "h"], 3_600 * second),
            (["days", "day", "d"], 86_400 * second),
            (["weeks", "week", "w"], 604_800 * second),
        ]
        return Dictionary(uniqueKeysWithValues: names.flatMap { names, size in names.map { ($0, size) } })
    }()

    /// The span `text` stands for.
    static func parse(_ text: String) throws(ValueError) -> Duration {
        var rest = Substring(text)
        var total: UInt64 = 0
        repeat {
            guard let number = DecimalNumber.scan(&rest) else {
                throw ValueError("not a time span (such as 30s, 5min, 1h 30s or 500ms)")
            }
            rest = rest.drop(while: Whitespace.contains)
            let name = rest.prefix(while: \.isLetter)
            rest = Whitespace.trim(rest[name.endIndex...])
            guard let unit = units[name] else {
                throw ValueError("unknown unit \"\(name)\" (use ns, us, ms, s, min, h, d or w)")
            }
            guard let part = number.scaled(by: unit), case (let sum, false) = total.addingReportingOverflow(part),
                sum <= UInt64(Int64.max)
            else { throw ValueError("too long") }
            total = sum
        } while !rest.isEmpty
        return .nanoseconds(Int64(total))
    }
}
