extension Duration {
    /// The duration in whole nanoseconds, the engine's unit; `Int64.max` when it does not fit.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole + attoseconds / 1_000_000_000
    }

    /// The duration in whole milliseconds, for logs.
    var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
