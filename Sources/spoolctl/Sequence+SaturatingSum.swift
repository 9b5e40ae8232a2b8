extension Sequence<UInt64> {
    /// The sum, or UInt64.max where it would overflow (counters a hostile
    /// bus sends can be anything).
    var saturatingSum: UInt64 {
        reduce(0) { total, value in
            let (sum, overflow) = total.addingReportingOverflow(value)
            return overflow ? .max : sum
        }
    }
}
