extension FixedWidthInteger {
    /// The value of `text` when it is one or more ASCII digits and fits; no sign, no spaces.
    init?(decimal text: Substring) {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        self.init(text, radix: 10)
    }
}
