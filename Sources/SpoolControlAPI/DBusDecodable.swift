import DBus

/// A Swift type a D-Bus value of one type decodes to, for the proxies' replies.
protocol DBusDecodable: Sendable {
    /// The value as `Self`; `nil` when it has another type.
    init?(dbusValue: DBusValue)
}

extension String: DBusDecodable {
    init?(dbusValue: DBusValue) {
        guard case .string(let value) = dbusValue else { return nil }
        self = value
    }
}

extension UInt32: DBusDecodable {
    init?(dbusValue: DBusValue) {
        guard case .uint32(let value) = dbusValue else { return nil }
        self = value
    }
}

extension UInt64: DBusDecodable {
    init?(dbusValue: DBusValue) {
        guard case .uint64(let value) = dbusValue else { return nil }
        self = value
    }
}

extension Bool: DBusDecodable {
    init?(dbusValue: DBusValue) {
        guard case .boolean(let value) = dbusValue else { return nil }
        self = value
    }
}

extension Double: DBusDecodable {
    init?(dbusValue: DBusValue) {
        guard case .double(let value) = dbusValue else { return nil }
        self = value
    }
}

extension Array: DBusDecodable where Element: DBusDecodable {
    init?(dbusValue: DBusValue) {
        guard case .array(_, let values) = dbusValue else { return nil }
        var elements: [Element] = []
        for value in values {
            guard let element = Element(dbusValue: value) else { return nil }
            elements.append(element)
        }
        self = elements
    }
}

extension Dictionary: DBusDecodable where Key == String, Value == DBusValue {
    /// An `a{sv}`, its values unwrapped from their variants.
    init?(dbusValue: DBusValue) {
        guard let entries = dbusValue.vardictValue else { return nil }
        self = entries
    }
}
