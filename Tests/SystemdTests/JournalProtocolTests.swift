import CSystemd
import Foundation
import XCTest

/// CSystemd's journal protocol against the test's own datagram socket, as
/// journald reads it: plain fields, a value that holds newlines (binary-safe
/// form), and an entry too large for a datagram (sent in a sealed memfd).
final class JournalProtocolTests: XCTestCase {
    private func send(_ fields: [String], to listener: DatagramListener) -> Int32 {
        var buffers = fields.map { Array($0.utf8) }
        return buffers.withUnsafeMutableBufferPointer { buffers in
            let vectors = buffers.indices.map { index in
                buffers[index].withUnsafeMutableBytes { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
            }
            return csystemd_journal_sendv_to(listener.path, vectors, Int32(vectors.count))
        }
    }

    /// A field in the binary-safe form: the name, a newline, the value's
    /// length as 64-bit little endian, the value.
    private func binarySafe(_ name: String, _ value: String) -> [UInt8] {
        let length = withUnsafeBytes(of: UInt64(value.utf8.count).littleEndian, Array.init)
        return Array(name.utf8) + [0x0a] + length + Array(value.utf8)
    }

    func testFieldsEndWithNewlinesAndMultiLineValuesAreBinarySafe() throws {
        let listener = try DatagramListener(path: try TestEnvironment.temporaryDirectory(for: self) + "/journal.sock")
        XCTAssertEqual(send(["MESSAGE=two\nlines", "PRIORITY=6"], to: listener), 0)
        let entry = try XCTUnwrap(listener.receive())
        let expected = binarySafe("MESSAGE", "two\nlines") + Array("\nPRIORITY=6\n".utf8)
        XCTAssertEqual(entry.text, String(decoding: expected, as: UTF8.self))
        XCTAssertEqual(entry.descriptors, [])
    }

    func testAnEntryTooLargeForADatagramGoesInASealedMemfd() throws {
        let listener = try DatagramListener(path: try TestEnvironment.temporaryDirectory(for: self) + "/journal.sock")
        // Past the 8 MiB send buffer the journal's socket asks for.
        let large = String(repeating: "x", count: 9 << 20)
        XCTAssertEqual(send(["MESSAGE=\(large)", "TUBE=t"], to: listener), 0)
        let entry = try XCTUnwrap(listener.receive())
        XCTAssertTrue(entry.text.isEmpty, "the datagram carries only the descriptor, not \(entry.text.utf8.count) bytes")
        let memfd = try XCTUnwrap(entry.descriptors.first)
        defer { close(memfd) }
        // journald maps the memfd; the test reads it from its start.
        XCTAssertEqual(lseek(memfd, 0, SEEK_SET), 0)
        let contents = FileHandle(fileDescriptor: memfd, closeOnDealloc: false).readDataToEndOfFile()
        let expected = Data("MESSAGE=\(large)\nTUBE=t\n".utf8)
        XCTAssertTrue(contents == expected, "the memfd holds \(contents.count) bytes, expected the \(expected.count) of the entry")
        XCTAssertEqual(write(memfd, "y", 1), -1, "sealed: no one can change it")
        XCTAssertEqual(errno, EPERM)
    }

    func testAFieldWithoutANameIsRefused() throws {
        let listener = try DatagramListener(path: try TestEnvironment.temporaryDirectory(for: self) + "/journal.sock")
        XCTAssertEqual(send(["=no name"], to: listener), -EINVAL)
        XCTAssertEqual(send(["NO_EQUALS"], to: listener), -EINVAL)
        XCTAssertEqual(send(["TWO\nLINES=v"], to: listener), -EINVAL, "a newline in a name would end the entry")
        XCTAssertNil(listener.receive(timeout: 0), "nothing was sent")
    }

    func testNoJournalMeansTheEntryIsDroppedAsLibsystemdDropsIt() throws {
        let missing = try TestEnvironment.temporaryDirectory(for: self) + "/no-journal.sock"
        var field = Array("MESSAGE=nobody listens".utf8)
        let result = field.withUnsafeMutableBytes { bytes in
            var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
            return csystemd_journal_sendv_to(missing, &vector, 1)
        }
        XCTAssertEqual(result, 0)
    }
}
