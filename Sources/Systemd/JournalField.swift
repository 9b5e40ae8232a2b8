/// One field of a journal entry: `NAME=value`.
struct JournalField: Equatable, Sendable {
    /// The field name: upper-case ASCII letters, digits and `_`.
    let name: String

    /// The value, written verbatim; it may hold line breaks.
    let value: String
}
