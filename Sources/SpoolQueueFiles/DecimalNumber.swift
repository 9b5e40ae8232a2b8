/// A non-negative decimal number as written in a setting, `30` or `1.5`, kept
/// as its digits so that scaling it by a unit is exact.
struct DecimalNumber {
    let whole: Substring
    let fraction: Substring

    /// Takes the number at the start of `text`: digits, then optionally a point
    /// and more digits. `nil`, leaving `text` alone, when it does not start with one.
    static func scan(_ text: inout Substring) -> DecimalNumber? {
        let whole = text.prefix(while: \.isASCIIDigit)
        guard !whole.isEmpty else { return nil }
        var rest = text[whole.endIndex...]
        var fraction = rest[rest.startIndex..<rest.startIndex]
        if rest.first == "." {
            fraction = rest.dropFirst().prefix(while: \.isASCIIDigit)
            guard !fraction.isEmpty else { return nil }
            rest = rest[fraction.endIndex...]
        }
        text = rest
        return DecimalNumber(whole: whole, fraction: fraction)
    }

    /// The number times `unit`, the fraction rounded down; `nil` when it overflows.
    func scaled(by unit: UInt64) -> UInt64? {
        guard let whole = UInt64(whole) else { return nil }
        let (product, overflow) = whole.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        let digits = fraction.prefix(18)
        guard let numerator = UInt64(digits.isEmpty ? "0" : digits) else { return nil }
        let denominator = (0..<digits.count).reduce(UInt64(1)) { power, _ in power * 10 }
        let part = denominator.dividingFullWidth(unit.multipliedFullWidth(by: numerator)).quotient
        let (sum, sumOverflow) = product.addingReportingOverflow(part)
        return sumOverflow ? nil : sum
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
