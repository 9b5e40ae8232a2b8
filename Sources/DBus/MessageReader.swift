import CDBus

/// Reads typed values from a message iterator.
enum MessageReader {
    /// The value at the iterator's position.
    static func read(_ iterator: inout DBusMessageIter) throws -> DBusValue {
        let type = dbus_message_iter_get_arg_type(&iterator)
        switch UInt8(truncatingIfNeeded: type) {
        case UInt8(ascii: "y"): return .byte(basic(&iterator, UInt8(0)))
        case UInt8(ascii: "b"): return .boolean(basic(&iterator, dbus_bool_t(0)) != 0)
        case UInt8(ascii: "n"): return .int16(basic(&iterator, Int16(0)))
        case UInt8(ascii: "q"): return .uint16(basic(&iterator, UInt16(0)))
        case UInt8(ascii: "i"): return .int32(basic(&iterator, Int32(0)))
        case UInt8(ascii: "u"): return .uint32(basic(&iterator, UInt32(0)))
        case UInt8(ascii: "x"): return .int64(basic(&iterator, Int64(0)))
        case UInt8(ascii: "t"): return .uint64(basic(&iterator, UInt64(0)))
        case UInt8(ascii: "d"): return .double(basic(&iterator, Double(0)))
        case UInt8(ascii: "h"): return .unixFD(basic(&iterator, Int32(-1)))
        case UInt8(ascii: "s"): return .string(text(&iterator))
        case UInt8(ascii: "o"): return .objectPath(try ObjectPath(text(&iterator)))
        case UInt8(ascii: "g"): return .signature(try Signature(text(&iterator)))
        case UInt8(ascii: "v"):
            var inner = DBusMessageIter()
            dbus_message_iter_recurse(&iterator, &inner)
            return .variant(try read(&inner))
        case UInt8(ascii: "r"), UInt8(ascii: "e"):
            // A dictionary entry reads as a two-field structure; array(_:) pairs it up.
            return .structure(try contents(&iterator))
        case UInt8(ascii: "a"):
            return try array(&iterator)
        default:
            throw DBusError.invalidArgs("unsupported argument type \(type)")
        }
    }

    private static func basic<T>(_ iterator: inout DBusMessageIter, _ initial: T) -> T {
        var value = initial
        withUnsafeMutablePointer(to: &value) { dbus_message_iter_get_basic(&iterator, $0) }
        return value
    }

    private static func text(_ iterator: inout DBusMessageIter) -> String {
        var pointer: UnsafePointer<CChar>?
        dbus_message_iter_get_basic(&iterator, &pointer)
        return pointer.map { String(cString: $0) } ?? ""
    }

    /// Every value inside the container at the iterator's position.
    private static func contents(_ iterator: inout DBusMessageIter) throws -> [DBusValue] {
        var inner = DBusMessageIter()
        dbus_message_iter_recurse(&iterator, &inner)
        var values: [DBusValue] = []
        while dbus_message_iter_get_arg_type(&inner) != 0 {  // DBUS_TYPE_INVALID
            values.append(try read(&inner))
            dbus_message_iter_next(&inner)
        }
        return values
    }

    private static func array(_ iterator: inout DBusMessageIter) throws -> DBusValue {
        let full = iteratorSignature(&iterator)
        let element = String(full.dropFirst())
        guard element.hasPrefix("{") else {
            return .array(element: try Signature(element), try contents(&iterator))
        }
        var entries: [DBusValue.DictionaryEntry] = []
        for entry in try contents(&iterator) {
            guard case .structure(let pair) = entry, pair.count == 2 else { throw DBusError.invalidArgs("malformed dictionary entry") }
            entries.append(.init(pair[0], pair[1]))
        }
        // "{kv…}": a key is always one basic type, one character long.
        let inside = element.dropFirst().dropLast()
        return .dictionary(key: try Signature(String(inside.prefix(1))), value: try Signature(String(inside.dropFirst())), entries)
    }

    private static func iteratorSignature(_ iterator: inout DBusMessageIter) -> String {
        guard let raw = dbus_message_iter_get_signature(&iterator) else { return "" }
        defer { dbus_free(raw) }
        return String(cString: raw)
    }
}
