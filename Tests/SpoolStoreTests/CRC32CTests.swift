import CCRC32C
import SpoolTestSupport
import XCTest

@testable import SpoolStore

/// The journal's checksum: the published check value, and the processor's
/// instruction against the tables on every length and alignment.
final class CRC32CTests: XCTestCase {
    private func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes(CRC32C.checksum)
    }

    /// CRC-32C's check value (RFC 3720, B.4) and its empty input.
    func testKnownValues() {
        XCTAssertEqual(checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(checksum([]), 0)
        XCTAssertEqual(checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
    }

    /// Both ways give the same checksum for 0 to 300 bytes at each of eight
    /// alignments: the ends shorter than a word, and the word loop.
    func testInstructionAndTablesAgree() {
        var random = SplitMix64(seed: 7)
        let data = (0..<320).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        data.withUnsafeBytes { all in
            for start in 0..<8 {
                for count in 0...300 {
                    let bytes = UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])
                    XCTAssertEqual(
                        CRC32C.checksum(bytes), ccrc32c_checksum_by_tables(bytes.baseAddress, bytes.count),
                        "start \(start), \(count) bytes")
                }
            }
        }
    }

    /// The instruction is used exactly when the processor has it (the
    /// kernel's flags: `sse4_2` on x86-64, `crc32` on AArch64).
    func testUsesTheInstructionWhenThereIsOne() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") || $0.hasPrefix("Features") }
        let words = Set((flags ?? "").split(separator: " ").map(String.init))
        XCTAssertEqual(ccrc32c_uses_instruction() == 1, words.contains("sse4_2") || words.contains("crc32"))
    }
}
