import DBus

extension Dictionary where Key == String, Value == DBusValue {
    /// The value of a declared property (or `Status` entry).
    subscript(property: PropertyDeclaration) -> DBusValue? {
        get { self[property.name.rawValue] }
        set { self[property.name.rawValue] = newValue }
    }

    /// A counter property (`t` or `u`), 0 when absent.
    func counter(_ property: PropertyDeclaration) -> UInt64 {
        switch self[property] {
        case .uint64(let value)?: value
        case .uint32(let value)?: UInt64(value)
        default: 0
        }
    }

    /// A text property, "" when absent.
    func text(_ property: PropertyDeclaration) -> String {
        if case .string(let value)? = self[property] { return value }
        return ""
    }
}
