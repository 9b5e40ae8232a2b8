/// One D-Bus value of any type, with its type: what a message carries.
///
/// Containers carry the signatures of their elements, so that an empty array
/// or dictionary still has a type.
public indirect enum DBusValue: Hashable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(ObjectPath)
    case signature(Signature)
    /// A Unix file descriptor. Sending dups it; a received one is owned by
    /// the receiver, who must close it.
    case unixFD(Int32)
    /// An array of values of one complete type, `element`.
    case array(element: Signature, [DBusValue])
    /// A dictionary (`a{kv}`): keys of a basic type, values of one complete type.
    case dictionary(key: Signature, value: Signature, [DictionaryEntry])
    /// A structure: a fixed sequence of values.
    case structure([DBusValue])
    /// A value whose type travels with it.
    case variant(DBusValue)

    /// One entry of a ``dictionary(key:value:_:)``.
    public struct DictionaryEntry: Hashable, Sendable {
        /// The key, of a basic type.
        public var key: DBusValue
        /// The value.
        public var value: DBusValue

        /// Describes an entry.
        public init(_ key: DBusValue, _ value: DBusValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value's complete type.
    public var signature: Signature {
        switch self {
        case .byte: "y"
        case .boolean: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .unixFD: "h"
        case .array(let element, _): Signature(unchecked: "a" + element.rawValue)
        case .dictionary(let key, let value, _): Signature(unchecked: "a{" + key.rawValue + value.rawValue + "}")
        case .structure(let fields): Signature(unchecked: "(" + fields.map(\.signature.rawValue).joined() + ")")
        case .variant: "v"
        }
    }

    /// A dictionary of strings to variants (`a{sv}`), the usual shape of
    /// property sets and status reports.
    public static func vardict(_ entries: [String: DBusValue]) -> DBusValue {
        .dictionary(key: "s", value: "v", entries.sorted { $0.key < $1.key }.map { DictionaryEntry(.string($0.key), .variant($0.value)) })
    }

    /// The entries of a dictionary keyed by strings, such as an `a{sv}`, each
    /// value unwrapped from its variant; `nil` for any other value.
    public var vardictValue: [String: DBusValue]? {
        guard case .dictionary(_, _, let entries) = self else { return nil }
        var values: [String: DBusValue] = [:]
        for entry in entries {
            if case .string(let key) = entry.key { values[key] = entry.value.unwrapped }
        }
        return values
    }

    /// A list of strings (`as`).
    public static func strings(_ values: [String]) -> DBusValue {
        .array(element: "s", values.map(DBusValue.string))
    }

    /// The content of a variant, or the value itself.
    public var unwrapped: DBusValue {
        if case .variant(let inner) = self { return inner.unwrapped }
        return self
    }
}

/// The signature of a sequence of values, e.g. a message's arguments.
public func signature(of values: [DBusValue]) -> Signature {
    Signature(unchecked: values.map(\.signature.rawValue).joined())
}
