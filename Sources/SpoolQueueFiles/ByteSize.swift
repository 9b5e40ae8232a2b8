/// Sizes in bytes, with an optional suffix in powers of 1024: `4096`, `512K`, `64M`, `1.5G`, `1T`.
public enum ByteSize {
    /// The number of bytes `text` stands for, or nil when it is not a size.
    public static func bytes(in text: String) -> UInt64? {
        try? parse(text)
    }

    /// `bytes` as a queue file would spell it: with the largest suffix that
    /// divides it exactly (`64M`), else in bytes.
    public static func spelled(_ bytes: UInt64) -> String {
        for (suffix, unit) in suffixes.sorted(by: { $0.value > $1.value }) where bytes % unit == 0 && bytes >= unit {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)"
    }

    private static let suffixes: [Substring: UInt64] = ["": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]

    /// The number of bytes `text` stands for.
    static func parse(_ text: String) throws(ValueError) -> UInt64 {
        var rest = Substring(text)
        guard let number = DecimalNumber.scan(&rest) else {
            throw ValueError("not a size (such as 4096, 512K, 64M or 2G)")
        }
        let suffix = rest.drop(while: Whitespace.contains)
        guard let unit = suffixes[suffix] else {
            throw ValueError("unknown suffix \"\(suffix)\" (use K, M, G or T, powers of 1024)")
        }
        guard let bytes = number.scaled(by: unit) else { throw ValueError("too large") }
        return bytes
    }
}
