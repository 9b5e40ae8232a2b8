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

    /// The document's bytes.
    public var buffer: ByteBuffer { ByteBuffer(string: text) }
}
