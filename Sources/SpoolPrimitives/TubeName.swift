/// The rules for tube names: 1 to 200 bytes of `A-Z a-z 0-9 - + / ; . $ _ ( )`,
/// not starting with a hyphen.
public enum TubeName {
    /// The longest tube name, in bytes.
    public static let maximumLength = 200

    /// Whether `byte` may appear in a tube name.
    @inlinable
    public static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: ";"),
            UInt8(ascii: "."), UInt8(ascii: "$"), UInt8(ascii: "_"), UInt8(ascii: "("),
            UInt8(ascii: ")"):
            return true
        default:
            return false
        }
    }

    /// Whether `bytes` form a valid tube name.
    public static func isValid<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        guard let first = bytes.first, first != UInt8(ascii: "-"),
            bytes.count <= maximumLength
        else { return false }
        return bytes.allSatisfy(isNameByte)
    }

    /// Whether `name` is a valid tube name.
    public static func isValid(_ name: String) -> Bool {
        isValid(name.utf8)
    }
}
