/// Writes JSON by hand, for the dashboard's feed: spoold links no
/// Foundation (README, Footprint), and the feed's shapes are few and fixed.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = false

    /// Writes `{`, the members `body` writes, then `}`.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        container("{", "}", body)
    }

    /// Writes `[`, the elements `body` writes, then `]`.
    mutating func array(_ body: (inout JSONWriter) -> Void) {
        container("[", "]", body)
    }

    private mutating func container(_ open: String, _ close: String, _ body: (inout JSONWriter) -> Void) {
        separate()
        text += open
        needsComma = false
        body(&self)
        text += close
        needsComma = true
    }

    /// Writes a member's key; its value comes next.
    mutating func key(_ name: String) {
        separate()
        string(name)
        text += ":"
        needsComma = false
    }

    mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
        needsComma = true
    }

    mutating func member(_ name: String, _ value: Double) {
        key(name)
        text += value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)") : "null"
        needsComma = true
    }

    mutating func member(_ name: String, _ value: Int) { member(name, Double(value)) }
    mutating func member(_ name: String, _ value: UInt64) { member(name, Double(value)) }

    mutating func member(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { text += "," }
    }

    /// A JSON string, escaped as RFC 8259 requires (and `<`, so that the
    /// text stays inert if a page ever inlines it).
    private mutating func string(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "<": text += "\\u003c"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
