/// Splits a value into words the way systemd splits `ExecStart=` and
/// `Environment=` (`systemd.syntax(7)`), without a shell: words are separated
/// by whitespace; single or double quotes, anywhere in a word, keep whitespace
/// in it; backslash escapes work inside and outside quotes. There is no
/// variable, `%` specifier or glob expansion.
///
/// The escapes are C's: `\a \b \f \n \r \t \v \\ \" \'`, `\s` for a space, a
/// backslash before whitespace for that whitespace, `\xHH`, `\OOO` (octal),
/// `\uHHHH` and `\UHHHHHHHH`. A word may not contain a NUL.
enum QuotedWords {
    private static let simpleEscapes: [Unicode.Scalar: UInt8] = [
        "a": 0x07, "b": 0x08, "f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B,
        "\\": 0x5C, "\"": 0x22, "'": 0x27, "s": 0x20,
    ]

    /// The words of `text`.
    static func split(_ text: String) throws(ValueError) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        var inWord = false
        var quote: Unicode.Scalar?
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "\\" {
                guard let escaped = scalars.next() else { throw ValueError("ends with a lone backslash") }
                try unescape(escaped, rest: &scalars, into: &word)
                inWord = true
            } else if let open = quote {
                if scalar == open { quote = nil } else { append(scalar, to: &word) }
            } else if scalar == "\"" || scalar == "'" {
                quote = scalar
                inWord = true
            } else if Whitespace.contains(scalar) {
                if inWord { words.append(try finish(word)) }
                word = []
                inWord = false
            } else {
                append(scalar, to: &word)
                inWord = true
            }
        }
        if let open = quote { throw ValueError("has no closing \(open)") }
        if inWord { words.append(try finish(word)) }
        return words
    }

    private static func append(_ scalar: Unicode.Scalar, to word: inout [UInt8]) {
        UTF8.encode(scalar) { word.append($0) }
    }

    private static func finish(_ word: [UInt8]) throws(ValueError) -> String {
        guard let text = String(validUTF8: word) else { throw ValueError("its escapes make invalid UTF-8") }
        return text
    }

    /// Appends what the escape `\` `escaped` stands for, reading its digits from `rest`.
    private static func unescape(
        _ escaped: Unicode.Scalar, rest: inout String.UnicodeScalarView.Iterator, into word: inout [UInt8]
    ) throws(ValueError) {
        if let byte = simpleEscapes[escaped] {
            word.append(byte)
        } else if Whitespace.contains(escaped) {
            append(escaped, to: &word)
        } else if escaped == "x" {
            word.append(try nonzero(UInt8(digits(2, radix: 16, escape: "\\x", from: &rest))))
        } else if ("0"..."7").contains(escaped) {
            let value = (escaped.value - 0x30) << 6 + (try digits(2, radix: 8, escape: "\\\(escaped)", from: &rest))
            guard value <= 0o377 else { throw ValueError("octal escapes go up to \\377") }
            word.append(try nonzero(UInt8(value)))
        } else if escaped == "u" || escaped == "U" {
            let count = escaped == "u" ? 4 : 8
            let value = try digits(count, radix: 16, escape: "\\\(escaped)", from: &rest)
            guard let scalar = Unicode.Scalar(value), value != 0 else {
                throw ValueError(
                    "\\\(escaped): U+\(String(value, radix: 16, uppercase: true)) is not a valid character")
            }
            append(scalar, to: &word)
        } else {
            throw ValueError("unknown escape \\\(escaped)")
        }
    }

    /// The value of the next `count` digits of `rest` in `radix`.
    private static func digits(
        _ count: Int, radix: UInt32, escape: String, from rest: inout String.UnicodeScalarView.Iterator
    ) throws(ValueError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let scalar = rest.next(), let digit = Int(String(scalar), radix: Int(radix)) else {
                throw ValueError("\(escape) needs \(count) \(radix == 16 ? "hexadecimal" : "octal") digits")
            }
            value = value * radix + UInt32(digit)
        }
        return value
    }

    private static func nonzero(_ byte: UInt8) throws(ValueError) -> UInt8 {
        guard byte != 0 else { throw ValueError("a word may not contain a NUL") }
        return byte
    }
}
