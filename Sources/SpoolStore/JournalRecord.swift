import NIOCore
import SpoolCore

/// The journal's on-disk records, little-endian:
///
/// ```
/// record  = u32 header checksum (CRC-32C of header) | u32 header length | header | body
/// header  = u8 kind | fields of the kind
/// segment = kind 5: u64 "SPOOLJNL" | u32 format version | u32 segment number
///                   | u64 end of the previous segment | u64 next job id
/// insert  = kind 1: job fields | u32 body length | u32 body checksum   (the body follows the header)
/// update  = kind 2: job fields
/// delete  = kind 3: u64 id
/// pause   = kind 4: i64 until (wall clock, ns) | i64 duration (ns) | u16 length | tube name
/// job fields = u64 id | u32 priority | u8 state | i64 delay | i64 ttr | i64 ready-at (wall, ns)
///              | i64 created (wall, ns) | u32 reserves, timeouts, releases, buries, kicks
///              | u32 attempts | u16 length | tube name | u16 length | latest failure
/// ```
///
/// The header's checksum lets recovery find where a torn write ends the
/// journal without reading bodies; a body's own checksum is checked when it
/// is read back. A header of zeros (a preallocated, unwritten stretch) ends
/// a segment.
enum JournalRecord {
    /// The format version in every segment header.
    static let formatVersion: UInt32 = 1
    /// "SPOOLJNL".
    static let magic: UInt64 = 0x4C4E_4A4C_4F4F_5053
    /// Bytes before the header: its checksum and its length.
    static let frameBytes = 8
    /// The longest failure reason kept; a longer one is cut.
    static let maximumReasonBytes = 4096

    enum Kind: UInt8 {
        case insert = 1
        case update = 2
        case delete = 3
        case pause = 4
        case segment = 5
    }

    /// What a segment starts with.
    struct SegmentHeader: Equatable {
        /// The segment's number, which is also its file's name.
        var segment: UInt32
        /// Where the segment before this one ends: recovery checks that it reached it.
        var previousEnd: UInt32
        /// The lowest job id never handed out when the segment began.
        var nextJobID: JobID
    }

    // MARK: Encoding

    /// Bytes `record` takes in the journal.
    static func size(of record: StoreRecord) -> Int {
        frameBytes + headerSize(of: record) + ((record.insertedBody?.readableBytes) ?? 0)
    }

    /// The fewest bytes an insert takes beside its body (no tube name, no
    /// failure reason): what a live job costs its segment at least, so that
    /// a segment of small jobs, all live, never counts as mostly garbage.
    static let insertOverheadBytes = frameBytes + 1 + fixedJobFieldsSize + 8

    /// Bytes of a segment header record.
    static let segmentHeaderSize = frameBytes + 1 + 8 + 4 + 4 + 4 + 8 + 8

    private static func headerSize(of record: StoreRecord) -> Int {
        switch record {
        case .insert(let job): 1 + jobFieldsSize(job) + 8
        case .update(let job): 1 + jobFieldsSize(job)
        case .delete: 1 + 8
        case .pause(let tube, _, _): 1 + 8 + 8 + 2 + tube.utf8.count
        }
    }

    private static func jobFieldsSize(_ job: JobRecord) -> Int {
        fixedJobFieldsSize + job.tube.utf8.count + reasonBytes(job).count
    }

    /// A job's fields but its tube's name and its failure reason: the
    /// fixed-size ones and the lengths of those two strings.
    private static let fixedJobFieldsSize = 8 + 4 + 1 + 8 * 4 + 4 * 5 + 4 + 2 + 2

    private static func reasonBytes(_ job: JobRecord) -> Substring.UTF8View {
        (job.lastFailure ?? "").utf8.prefix(maximumReasonBytes)
    }

    /// Appends a segment header.
    static func append(_ header: SegmentHeader, to buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        defer { assert(buffer.writerIndex - start == segmentHeaderSize, "the segment header's size is wrong") }
        framed(.segment, in: &buffer) { buffer in
            buffer.writeInteger(magic, endianness: .little)
            buffer.writeInteger(formatVersion, endianness: .little)
            buffer.writeInteger(header.segment, endianness: .little)
            buffer.writeInteger(UInt32(0), endianness: .little)
            buffer.writeInteger(UInt64(header.previousEnd), endianness: .little)
            buffer.writeInteger(header.nextJobID, endianness: .little)
        }
    }

    /// Appends `record`, which starts at `position` of `segment`; returns
    /// where an insert's body lies.
    @discardableResult
    static func append(_ record: StoreRecord, to buffer: inout ByteBuffer, segment: UInt32, position: UInt32) -> StoredBody? {
        let start = buffer.writerIndex
        defer { assert(buffer.writerIndex - start == size(of: record), "a record's size is wrong") }
        switch record {
        case .insert(let job):
            let body = job.body ?? ByteBuffer()
            let checksum = body.withUnsafeReadableBytes(CRC32C.checksum)
            let recordStart = buffer.writerIndex
            framed(.insert, in: &buffer) { buffer in
                writeJobFields(job, to: &buffer)
                buffer.writeInteger(UInt32(body.readableBytes), endianness: .little)
                buffer.writeInteger(checksum, endianness: .little)
            }
            let bodyOffset = position + UInt32(buffer.writerIndex - recordStart)
            buffer.writeImmutableBuffer(body)
            return StoredBody(segment: segment, offset: bodyOffset, length: UInt32(body.readableBytes), checksum: checksum)
        case .update(let job):
            framed(.update, in: &buffer) { writeJobFields(job, to: &$0) }
        case .delete(let id):
            framed(.delete, in: &buffer) { $0.writeInteger(id, endianness: .little) }
        case .pause(let tube, let untilWall, let duration):
            framed(.pause, in: &buffer) { buffer in
                buffer.writeInteger(untilWall, endianness: .little)
                buffer.writeInteger(duration, endianness: .little)
                writeString(Substring(tube).utf8, to: &buffer)
            }
        }
        return nil
    }

    /// Writes the frame, the kind and what `fields` writes, then fills in the
    /// header's length and checksum.
    private static func framed(_ kind: Kind, in buffer: inout ByteBuffer, _ fields: (inout ByteBuffer) -> Void) {
        let frame = buffer.writerIndex
        buffer.writeInteger(UInt64(0))
        buffer.writeInteger(kind.rawValue)
        fields(&buffer)
        let headerStart = frame + frameBytes
        let headerLength = buffer.writerIndex - headerStart
        let checksum = buffer.withUnsafeReadableBytes { raw in
            let start = headerStart - buffer.readerIndex
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<(start + headerLength)]))
        }
        buffer.setInteger(checksum, at: frame, endianness: .little)
        buffer.setInteger(UInt32(headerLength), at: frame + 4, endianness: .little)
    }

    private static func writeJobFields(_ job: JobRecord, to buffer: inout ByteBuffer) {
        buffer.writeInteger(job.id, endianness: .little)
        buffer.writeInteger(job.priority, endianness: .little)
        buffer.writeInteger(job.state.code)
        buffer.writeInteger(job.delay, endianness: .little)
        buffer.writeInteger(job.ttr, endianness: .little)
        buffer.writeInteger(job.readyAtWall, endianness: .little)
        buffer.writeInteger(job.createdWall, endianness: .little)
        buffer.writeInteger(job.counters.reserves, endianness: .little)
        buffer.writeInteger(job.counters.timeouts, endianness: .little)
        buffer.writeInteger(job.counters.releases, endianness: .little)
        buffer.writeInteger(job.counters.buries, endianness: .little)
        buffer.writeInteger(job.counters.kicks, endianness: .little)
        buffer.writeInteger(job.attempts, endianness: .little)
        writeString(Substring(job.tube).utf8, to: &buffer)
        writeString(reasonBytes(job), to: &buffer)
    }

    private static func writeString(_ bytes: Substring.UTF8View, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(bytes.count), endianness: .little)
        buffer.writeBytes(bytes)
    }

    // MARK: Decoding

    /// Why a record cannot be read.
    enum Failure: Error, Equatable {
        /// Zeros: nothing was ever written here.
        case end
        /// The bytes are not a whole, intact record (a torn write, or damage).
        case damaged(String)
        /// A segment of a journal format this spoold does not know (a newer one).
        case unknownFormat(UInt32)
        /// A whole segment header where a record should be: not a torn
        /// write, but a journal put together wrongly.
        case secondSegmentHeader

        /// The failure in words.
        var reason: String {
            switch self {
            case .end: "it ends where a record should be"
            case .damaged(let reason): reason
            case .unknownFormat(let version): "it has journal format \(version)"
            case .secondSegmentHeader: "a second segment header"
            }
        }
    }

    /// Reads the segment header that starts `segment`'s bytes; returns it
    /// and where the first record starts.
    static func decodeSegmentHeader(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> (SegmentHeader, next: Int) {
        let (header, next) = try checkedHeader(bytes, at: 0)
        guard header[0] == Kind.segment.rawValue else { throw .damaged("it does not start with a segment header") }
        var reader = FieldReader(bytes: header, position: 1)
        guard try reader.integer(UInt64.self) == magic else { throw .damaged("no segment header") }
        let version = try reader.integer(UInt32.self)
        guard version == formatVersion else { throw .unknownFormat(version) }
        let number = try reader.integer(UInt32.self)
        _ = try reader.integer(UInt32.self)
        let previousEnd = UInt32(truncatingIfNeeded: try reader.integer(UInt64.self))
        return (SegmentHeader(segment: number, previousEnd: previousEnd, nextJobID: try reader.integer(UInt64.self)), next)
    }

    /// Reads the record at `offset` of `segment`'s bytes, past its segment
    /// header; returns it and where the next one starts. Bodies are not
    /// read: an insert comes back with ``JobRecord/storedBody`` set.
    static func decodeRecord(_ bytes: UnsafeRawBufferPointer, at offset: Int, segment: UInt32) throws(Failure) -> (StoreRecord, next: Int) {
        let (header, start) = try checkedHeader(bytes, at: offset)
        var reader = FieldReader(bytes: header, position: 1)
        guard let kind = Kind(rawValue: header[0]) else { throw .damaged("unknown record kind \(header[0])") }
        switch kind {
        case .segment:
            throw .secondSegmentHeader
        case .insert:
            var job = try reader.jobFields()
            let bodyLength = try reader.integer(UInt32.self)
            let bodyChecksum = try reader.integer(UInt32.self)
            guard start + Int(bodyLength) <= bytes.count else { throw .damaged("a body runs past the file") }
            job.storedBody = StoredBody(segment: segment, offset: UInt32(start), length: bodyLength, checksum: bodyChecksum)
            return (.insert(job), start + Int(bodyLength))
        case .update:
            return (.update(try reader.jobFields()), start)
        case .delete:
            return (.delete(try reader.integer(UInt64.self)), start)
        case .pause:
            let until = try reader.integer(Int64.self)
            let duration = try reader.integer(Int64.self)
            return (.pause(tube: try reader.string(), untilWall: until, duration: duration), start)
        }
    }

    /// The header of the record at `offset`, checked against its checksum
    /// (it has at least its kind), and where the record's body (or the next
    /// record) starts.
    private static func checkedHeader(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Failure) -> (UnsafeRawBufferPointer, next: Int) {
        guard offset + frameBytes <= bytes.count else { throw .end }
        let checksum = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        if checksum == 0, length == 0 { throw .end }
        let start = offset + frameBytes
        guard length >= 1, start + length <= bytes.count else { throw .damaged("a record's length runs past the file") }
        let header = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
        guard CRC32C.checksum(header) == checksum else { throw .damaged("a record's checksum does not match") }
        return (header, start + length)
    }

    /// Reads fields one after the other, refusing to run past the header.
    private struct FieldReader {
        let bytes: UnsafeRawBufferPointer
        var position: Int

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(Failure) -> T {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.count else { throw .damaged("a record is shorter than its fields") }
            defer { position += size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        }

        mutating func string() throws(Failure) -> String {
            let length = Int(try integer(UInt16.self))
            guard position + length <= bytes.count else { throw .damaged("a record is shorter than its fields") }
            defer { position += length }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)]), as: UTF8.self)
        }

        mutating func jobFields() throws(Failure) -> JobRecord {
            let id = try integer(UInt64.self)
            // No job has id 0, and none can have the highest (the next id after it would overflow).
            guard id != 0, id != .max else { throw .damaged("a record names job \(id)") }
            let priority = try integer(UInt32.self)
            let stateCode = try integer(UInt8.self)
            guard let state = JobRecord.DurableState(code: stateCode) else {
                throw .damaged("job \(id) has an unknown state \(stateCode)")
            }
            let delay = try integer(Int64.self)
            let ttr = try integer(Int64.self)
            let readyAt = try integer(Int64.self)
            let created = try integer(Int64.self)
            var counters = JobCounters()
            counters.reserves = try integer(UInt32.self)
            counters.timeouts = try integer(UInt32.self)
            counters.releases = try integer(UInt32.self)
            counters.buries = try integer(UInt32.self)
            counters.kicks = try integer(UInt32.self)
            let attempts = try integer(UInt32.self)
            let tube = try string()
            let reason = try string()
            return JobRecord(
                id: id, tube: tube, priority: priority, delay: delay, ttr: ttr, state: state, readyAtWall: readyAt,
                createdWall: created, counters: counters, attempts: attempts,
                lastFailure: reason.isEmpty ? nil : reason, body: nil)
        }
    }
}

extension StoreRecord {
    /// The body an insert carries.
    var insertedBody: ByteBuffer? {
        if case .insert(let job) = self { job.body ?? ByteBuffer() } else { nil }
    }
}

extension JobRecord.DurableState {
    /// The state's number on disk.
    var code: UInt8 {
        switch self {
        case .ready: 0
        case .delayed: 1
        case .buried: 2
        }
    }

    /// The state stored as `code`.
    init?(code: UInt8) {
        switch code {
        case 0: self = .ready
        case 1: self = .delayed
        case 2: self = .buried
        default: return nil
        }
    }
}
