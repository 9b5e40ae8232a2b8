import NIOCore

/// Builds the small YAML documents beanstalkd sends in `OK` replies: a
/// dictionary of scalars (stats) or a list of names (tube lists).
public struct YAMLDocument: Sendable {
    private var text = "---\n"

    /// Starts an empty document.
    public init() {}

    /// A list document holding `items` in order.
    public static func list<Items: Sequence>(_ items: Items) -> YAMLDocument where Items.Element == String {
        var document = YAMLDocument()
        for item in items { document.text += "- \(item)\n" }
        return document
    }

    /// Appends `key: value`, with the value written as is.
    public mutating func add(_ key: String, _ value: some CustomStringConvertible) {
        text += "\(key): \(value)\n"
    }

    /// Appends `key: "value"`, quoted as beanstalkd quotes its version.
    public mutating func addQuoted(_ key: String, _ value: String) {
        text += "\(key): \"\(value)\"\n"
    }

    /// Appends `key: "value"` with the value escaped as a YAML double-quoted
    /// scalar, for text that may hold quotes, backslashes or control characters.
    public mutating func addEscaped(_ key: String, _ value: String) {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            // C0 and C1 controls and DEL: YAML allows none of them raw, and reads U+0085 as a line break.
            case _ where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value):
                escaped += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            // The two noncharacters YAML does not allow raw either.
            case "\u{FFFE}", "\u{FFFF}":
                escaped += "\\u" + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        text += "\(key): \"\(escaped)\"\n"
    }

    /// The document's bytes.
    public var buffer: ByteBuffer { ByteBuffer(string: text) }
}

extension String {
    /// The string with zeros in front, up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
