/// Text attributes for a terminal; plain text when colour is off.
enum Style: String {
    case bold = "1"
    case dim = "2"
    case red = "31"
    case green = "32"
    case yellow = "33"

    /// `text` in this style, when `enabled`.
    func apply(_ text: String, enabled: Bool = Terminal.usesColor) -> String {
        enabled ? "\u{1B}[\(rawValue)m\(text)\u{1B}[0m" : text
    }
}
