import CSystemd
import Glibc
import Logging

/// A swift-log `LogHandler` that writes each log call as one structured
/// entry to the systemd journal with `sd_journal_sendv(3)`.
///
/// Every entry has these fields:
///
/// | field | value |
/// |---|---|
/// | `MESSAGE` | the message |
/// | `PRIORITY` | the syslog priority of the level: trace and debug 7, info 6, notice 5, warning 4, error 3, critical 2 |
/// | `SYSLOG_IDENTIFIER` | the `identifier` given at creation |
/// | `LOGGER_LABEL` | the logger's label |
/// | `CODE_FILE`, `CODE_LINE`, `CODE_FUNC` | where the log call is |
///
/// and one field per metadata entry (the handler's metadata, then the
/// metadata provider's, then the call's, later ones winning; a logged error
/// adds `ERROR_MESSAGE` and `ERROR_TYPE`). A metadata key becomes a valid
/// journal field name: upper-cased, every character other than `A`–`Z`,
/// `0`–`9` and `_` replaced by `_`, prefixed with `X_` when it would start
/// with `_` or a digit or would be one of the fields above, and cut to 64
/// characters. So `tube` becomes `TUBE` and `job-id` becomes `JOB_ID`.
/// Values are written verbatim and may span lines:
/// `journalctl -o verbose` shows them all.
///
/// When the journal cannot be reached, the entry is written to standard
/// error as one line instead, with the reason.
///
/// Use ``SystemdLogging/handler(label:identifier:)`` to pick this handler
/// only when standard error is connected to the journal.
public struct JournalLogHandler: LogHandler {
    /// The lowest level that is logged.
    public var logLevel: Logger.Level = .info

    /// Metadata added to every entry.
    public var metadata: Logger.Metadata = [:]

    /// Supplies metadata, for example task-local context, for every entry.
    public var metadataProvider: Logger.MetadataProvider?

    /// The `SYSLOG_IDENTIFIER` of every entry: the name `journalctl` shows
    /// and `journalctl -t` selects.
    public let identifier: String

    /// The logger's label, written as `LOGGER_LABEL`.
    public let label: String

    /// The fields the handler writes itself; metadata never takes their names.
    private static let ownFields: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "LOGGER_LABEL", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
    ]

    /// The longest field name the journal accepts.
    private static let maximumFieldNameLength = 64

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - identifier: the `SYSLOG_IDENTIFIER`, usually the program's name.
    ///   - metadataProvider: the metadata provider; by default the one given
    ///     to `LoggingSystem.bootstrap`.
    public init(
        label: String,
        identifier: String,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    /// Reads or writes one entry of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` to the journal as one entry, or to standard error when
    /// the journal cannot be reached.
    public func log(event: LogEvent) {
        let fields = entry(for: event)
        let result = Self.send(fields)
        if result < 0 {
            let reason = SystemdError(errno: result, function: "sd_journal_sendv")
            Self.writeToStandardError("\(identifier): \(event.level): \(event.message) (\(reason))\n")
        }
    }

    /// The fields of the journal entry for `event`, in the order they are sent.
    func entry(for event: LogEvent) -> [JournalField] {
        var fields = [
            JournalField(name: "MESSAGE", value: event.message.description),
            JournalField(name: "PRIORITY", value: String(Self.priority(of: event.level))),
            JournalField(name: "SYSLOG_IDENTIFIER", value: identifier),
            JournalField(name: "LOGGER_LABEL", value: label),
            JournalField(name: "CODE_FILE", value: event.file),
            JournalField(name: "CODE_LINE", value: String(event.line)),
            JournalField(name: "CODE_FUNC", value: event.function),
        ]
        let merged = mergedMetadata(explicit: event.metadata, error: event.error)
        fields += merged
            .map { JournalField(name: Self.fieldName(forMetadataKey: $0.key), value: Self.text(of: $0.value)) }
            .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
        return fields
    }

    /// The handler's metadata, overridden by the provider's, overridden by
    /// the call's, plus `error.message` and `error.type` for a logged error.
    func mergedMetadata(explicit: Logger.Metadata?, error: (any Error)?) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return merged
    }

    /// A metadata value as journal text: strings as they are, lists as
    /// `[a, b]` and dictionaries as `[key: value]`, without quotes.
    static func text(of value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(text(of:)).joined(separator: ", ") + "]"
        case .dictionary(let entries):
            "[" + entries.sorted { $0.key < $1.key }.map { "\($0.key): \(text(of: $0.value))" }.joined(separator: ", ") + "]"
        }
    }

    /// The syslog priority for a swift-log level.
    static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The journal field name for a metadata key (see the type's documentation).
    static func fieldName(forMetadataKey key: String) -> String {
        var name = String(String.UnicodeScalarView(key.unicodeScalars.map { scalar in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": scalar
            case "a"..."z": Unicode.Scalar(scalar.value - 32) ?? "_"
            default: "_"
            }
        }))
        let startsBadly = name.first.map { $0 == "_" || $0.isASCII && $0.isNumber } ?? true
        if startsBadly || ownFields.contains(name) {
            name = "X_" + name
        }
        return String(name.prefix(maximumFieldNameLength))
    }

    /// Sends one entry; returns `sd_journal_sendv`'s result.
    private static func send(_ fields: [JournalField]) -> Int32 {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes += field.name.utf8
            bytes.append(UInt8(ascii: "="))
            bytes += field.value.utf8
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }

    /// Writes `text` to file descriptor 2, unbuffered.
    private static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
