import CDBus

/// Appends typed values to a message iterator, checking that every container
/// holds what its signature says.
enum MessageWriter {
    static func append(_ value: DBusValue, to iterator: inout DBusMessageIter) throws {
        switch value {
        case .byte(let v): try basic(v, "y", &iterator)
        case .boolean(let v): try basic(dbus_bool_t(v ? 1 : 0), "b", &iterator)
        case .int16(let v): try basic(v, "n", &iterator)
        case .uint16(let v): try basic(v, "q", &iterator)
        case .int32(let v): try basic(v, "i", &iterator)
        case .uint32(let v): try basic(v, "u", &iterator)
        case .int64(let v): try basic(v, "x", &iterator)
        case .uint64(let v): try basic(v, "t", &iterator)
        case .double(let v): try basic(v, "d", &iterator)
        case .unixFD(let v): try basic(v, "h", &iterator)
        case .string(let v): try text(v, "s", &iterator)
        case .objectPath(let v): try text(v.rawValue, "o", &iterator)
        case .signature(let v): try text(v.rawValue, "g", &iterator)
        case .array(let element, let values):
            guard element.isSingleCompleteType else { throw DBusError.invalidArgs("array element type \(element) is not one complete type") }
            try container("a", element.rawValue, &iterator) { inner in
                for item in values {
                    guard item.signature == element else {
                        throw DBusError.invalidArgs("array of \(element) holds a \(item.signature)")
                    }
                    try append(item, to: &inner)
                }
            }
        case .dictionary(let key, let valueType, let entries):
            // libdbus aborts the process on a malformed container: check first.
            guard key.rawValue.count == 1, let code = key.rawValue.first, "ybnqiuxtdsogh".contains(code),
                  valueType.isSingleCompleteType
            else {
                throw DBusError.invalidArgs("a{\(key)\(valueType)} is not a valid dictionary type")
            }
            try container("a", "{\(key)\(valueType)}", &iterator) { inner in
                for entry in entries {
                    guard entry.key.signature == key, entry.value.signature == valueType else {
                        throw DBusError.invalidArgs("dictionary {\(key)\(valueType)} holds {\(entry.key.signature)\(entry.value.signature)}")
                    }
                    try container("e", nil, &inner) { pair in
                        try append(entry.key, to: &pair)
                        try append(entry.value, to: &pair)
                    }
                }
            }
        case .structure(let fields):
            guard !fields.isEmpty else { throw DBusError.invalidArgs("a structure needs at least one field") }
            try container("r", nil, &iterator) { inner in
                for field in fields { try append(field, to: &inner) }
            }
        case .variant(let inner):
            guard inner.signature.isSingleCompleteType else {
                throw DBusError.invalidArgs("a variant cannot hold '\(inner.signature)'")
            }
            try container("v", inner.signature.rawValue, &iterator) { content in
                try append(inner, to: &content)
            }
        }
    }

    private static func code(_ type: Unicode.Scalar) -> Int32 {
        Int32(type.value)
    }

    private static func basic<T>(_ value: T, _ type: Unicode.Scalar, _ iterator: inout DBusMessageIter) throws {
        var copy = value
        let appended = withUnsafePointer(to: &copy) { dbus_message_iter_append_basic(&iterator, code(type), $0) }
        guard appended != 0 else { throw DBusError.failed("out of memory") }
    }

    private static func text(_ value: String, _ type: Unicode.Scalar, _ iterator: inout DBusMessageIter) throws {
        guard !value.utf8.contains(0) else { throw DBusError.invalidArgs("a string holds a NUL character") }
        let appended = value.withCString { characters in
            var pointer: UnsafePointer<CChar>? = characters
            return dbus_message_iter_append_basic(&iterator, code(type), &pointer)
        }
        guard appended != 0 else { throw DBusError.failed("out of memory") }
    }

    /// Opens a container, fills it with `body`, and closes it; abandons it if `body` throws.
    private static func container(
        _ type: Unicode.Scalar, _ signature: String?, _ iterator: inout DBusMessageIter,
        _ body: (inout DBusMessageIter) throws -> Void
    ) throws {
        var inner = DBusMessageIter()
        guard dbus_message_iter_open_container(&iterator, code(type), signature, &inner) != 0 else {
            throw DBusError.failed("out of memory")
        }
        do {
            try body(&inner)
        } catch {
            dbus_message_iter_abandon_container(&iterator, &inner)
            throw error
        }
        guard dbus_message_iter_close_container(&iterator, &inner) != 0 else { throw DBusError.failed("out of memory") }
    }
}
