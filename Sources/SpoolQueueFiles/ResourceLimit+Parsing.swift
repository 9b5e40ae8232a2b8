import ProcessSupervisor

extension ResourceLimit {
    /// The limit `text` stands for: `infinity`, or a positive amount read by `amount`.
    static func parse(_ text: String, amount: (String) throws(ValueError) -> UInt64) throws(ValueError) -> ResourceLimit
    {
        if text == "infinity" { return .unlimited }
        let value = try amount(text)
        guard value > 0 else { throw ValueError("must be more than 0 (or infinity)") }
        return .limited(value)
    }
}
