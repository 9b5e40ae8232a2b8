import NIOCore

/// A statement parameter, sent in PostgreSQL's binary format.
enum PostgresValue {
    case int64(Int64)
    case int32(Int32)
    case text(String)
    case bytea(ByteBuffer)
    case int64Array([Int64])
    case textArray([String])
    case byteaArray([ByteBuffer])

    /// The type's OID (`pg_type.oid`).
    var typeOID: UInt32 {
        switch self {
        case .int64: 20
        case .int32: 23
        case .text: 25
        case .bytea: 17
        case .int64Array: 1016
        case .textArray: 1009
        case .byteaArray: 1001
        }
    }

    /// The value in the binary wire format.
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        switch self {
        case .int64(let value): Self.append(value, to: &bytes)
        case .int32(let value): Self.append(value, to: &bytes)
        case .text(let value): bytes += value.utf8
        case .bytea(let value): bytes += value.readableBytesView
        case .int64Array(let values):
            Self.appendArray(values.count, elementOID: 20, to: &bytes) { index, bytes in
                Self.append(Int32(8), to: &bytes)
                Self.append(values[index], to: &bytes)
            }
        case .textArray(let values):
            Self.appendArray(values.count, elementOID: 25, to: &bytes) { index, bytes in
                Self.append(Int32(values[index].utf8.count), to: &bytes)
                bytes += values[index].utf8
            }
        case .byteaArray(let values):
            Self.appendArray(values.count, elementOID: 17, to: &bytes) { index, bytes in
                Self.append(Int32(values[index].readableBytes), to: &bytes)
                bytes += values[index].readableBytesView
            }
        }
        return bytes
    }

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }

    /// A one-dimensional array without nulls: dimensions, flags, element
    /// type, length, lower bound 1, then each element with its length.
    private static func appendArray(
        _ count: Int, elementOID: UInt32, to bytes: inout [UInt8], element: (Int, inout [UInt8]) -> Void
    ) {
        append(Int32(count == 0 ? 0 : 1), to: &bytes)
        append(Int32(0), to: &bytes)
        append(elementOID, to: &bytes)
        guard count > 0 else { return }
        append(Int32(count), to: &bytes)
        append(Int32(1), to: &bytes)
        for index in 0..<count { element(index, &bytes) }
    }
}
