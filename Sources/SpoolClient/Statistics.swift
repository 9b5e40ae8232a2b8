/// The key/value pairs of a `stats`, `stats-tube` or `stats-job` document,
/// in the order the server sent them.
///
/// Values are the scalars as sent, as strings: `"1"`, `"ready"`,
/// `"true"`. A value the server double-quoted (beanstalkd's `version`,
/// spoold's `reason`) comes without its quotes and with its escapes resolved.
public struct Statistics: Sendable, Sequence, Hashable {
    /// Every pair, in the server's order.
    public let entries: [(key: String, value: String)]

    /// Statistics holding `entries`, in this order.
    public init(entries: [(key: String, value: String)]) {
        self.entries = entries
    }

    /// The value of `key`, or nil when the document does not have it.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value
    }

    /// Iterates over the pairs in the server's order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: String)]> {
        entries.makeIterator()
    }

    /// Whether both hold the same pairs in the same order.
    public static func == (lhs: Statistics, rhs: Statistics) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Hashes the pairs in order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}
