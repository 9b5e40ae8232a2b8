import DBus
import Foundation

/// spoolctl's `--json` output: objects with sorted keys, numbers as numbers.
enum JSONOutput {
    /// Prints `object` (a dictionary or array of JSON values) on standard
    /// output; `compact` puts it on one line (for streams of events).
    static func print(_ object: Any, compact: Bool = false) {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if !compact { options.insert(.prettyPrinted) }
        // Everything spoolctl prints is built from strings, numbers, booleans,
        // arrays and dictionaries, which JSONSerialization always encodes.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data("null".utf8)
        Swift.print(String(decoding: data, as: UTF8.self))
        Terminal.flush()
    }

    /// D-Bus properties as a JSON object: `JobsReady` becomes `jobs_ready`.
    static func object(_ properties: [String: DBusValue]) -> [String: Any] {
        // Two names can make one key (`JobsReady`, `jobsReady`) on a hostile bus.
        Dictionary(properties.map { (snakeCase($0.key), value($0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    /// A D-Bus value as a JSON value.
    static func value(_ value: DBusValue) -> Any {
        switch value.unwrapped {
        case .byte(let number): number
        case .boolean(let flag): flag
        case .int16(let number): number
        case .uint16(let number): number
        case .int32(let number): number
        case .uint32(let number): number
        case .int64(let number): number
        case .uint64(let number): number
        case .double(let number): number
        case .string(let text): text
        case .objectPath(let path): path.rawValue
        case .signature(let signature): signature.rawValue
        case .unixFD(let descriptor): descriptor
        case .array(_, let elements): elements.map(Self.value)
        case .dictionary(_, _, let entries):
            Dictionary(entries.map { ("\(Self.value($0.key))", Self.value($0.value)) }, uniquingKeysWith: { $1 })
        case .structure(let fields): fields.map(Self.value)
        case .variant(let inner): Self.value(inner)
        }
    }

    /// A scalar of a stats document: an integer or a decimal as a number,
    /// anything else as the string it is.
    static func scalar(_ text: String) -> Any {
        if let integer = UInt64(text) { return integer }
        if let integer = Int64(text) { return integer }
        // A decimal JSON cannot hold (`1.0e999` reads as infinity) stays a string.
        if text.contains("."), let decimal = Double(text), decimal.isFinite { return decimal }
        return text
    }

    /// `JobsReady` → `jobs_ready`.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase, !result.isEmpty { result.append("_") }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }
}
