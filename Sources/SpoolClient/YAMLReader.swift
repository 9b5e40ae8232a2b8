/// Reads the two shapes of YAML document the protocol's `OK` replies carry: a
/// mapping of scalars (the stats commands) and a list of names (the tube lists).
enum YAMLReader {
    /// The `key: value` lines of `document`, in order; other lines are skipped.
    static func mapping(_ document: [UInt8]) -> [(key: String, value: String)] {
        lines(of: document).compactMap { line in
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            return (String(line[..<colon]), scalar(value))
        }
    }

    /// The `- item` lines of `document`, in order.
    static func list(_ document: [UInt8]) -> [String] {
        lines(of: document).compactMap { line in
            line.hasPrefix("- ") ? scalar(line.dropFirst(2)) : nil
        }
    }

    private static func lines(of document: [UInt8]) -> [Substring] {
        String(decoding: document, as: UTF8.self).split(separator: "\n").filter { $0 != "---" }
    }

    /// A plain scalar as is; a double-quoted one without its quotes, escapes resolved.
    static func scalar(_ text: Substring) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return String(text) }
        var result = ""
        var characters = text.dropFirst().dropLast().unicodeScalars[...]
        while let scalar = characters.popFirst() {
            guard scalar == "\\", let escape = characters.popFirst() else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch escape {
            case "n": result += "\n"
            case "t": result += "\t"
            case "r": result += "\r"
            case "0": result += "\0"
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                let digits = String(characters.prefix(width))
                if digits.count == width, let value = UInt32(digits, radix: 16), let decoded = Unicode.Scalar(value) {
                    result.unicodeScalars.append(decoded)
                    characters = characters.dropFirst(width)
                } else {
                    result += "\\" + String(escape)
                }
            default: result.unicodeScalars.append(escape)
            }
        }
        return result
    }
}
