import NIOCore
import XCTest

@testable import SpoolProtocol

/// `addEscaped` writes any text as a YAML double-quoted scalar that a YAML
/// parser reads back unchanged.
final class YAMLDocumentTests: XCTestCase {
    /// The document holding `value` under `reason`.
    private func escaped(_ value: String) -> String {
        var document = YAMLDocument()
        document.addEscaped("reason", value)
        return String(buffer: document.buffer)
    }

    func testPlainTextIsQuotedAsIs() {
        XCTAssertEqual(escaped("exit status 1: no such file"), "---\nreason: \"exit status 1: no such file\"\n")
        XCTAssertEqual(escaped(""), "---\nreason: \"\"\n")
        XCTAssertEqual(escaped("café ✓ 日本 🦆"), "---\nreason: \"café ✓ 日本 🦆\"\n")
    }

    func testQuotesBackslashesAndLineBreaksAreEscaped() {
        XCTAssertEqual(escaped(#"say "hi""#), "---\nreason: \"say \\\"hi\\\"\"\n")
        XCTAssertEqual(escaped(#"C:\temp\"#), "---\nreason: \"C:\\\\temp\\\\\"\n")
        XCTAssertEqual(escaped("one\ntwo\tthree\r"), "---\nreason: \"one\\ntwo\\tthree\\x0d\"\n")
        XCTAssertEqual(escaped("\u{0}\u{1b}[31m\u{7f}"), "---\nreason: \"\\x00\\x1b[31m\\x7f\"\n")
    }

    func testTheDocumentStaysOneLinePerKey() {
        var document = YAMLDocument()
        document.add("id", 3)
        document.addEscaped("reason", "a\nb: \"c\"\n- d")
        document.add("kicks", 0)
        let lines = String(buffer: document.buffer).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines, ["---", "id: 3", #"reason: "a\nb: \"c\"\n- d""#, "kicks: 0", ""])
    }

    func testControlCharactersBeyondASCIIAreEscaped() {
        // YAML forbids C1 controls and U+FFFE/U+FFFF in a document (PyYAML
        // refuses the whole reply), and reads a raw U+0085 as a line break.
        XCTAssertEqual(escaped("a\u{85}b\u{90}c\u{9f}"), "---\nreason: \"a\\x85b\\x90c\\x9f\"\n")
        XCTAssertEqual(escaped("\u{FFFE}\u{FFFF}"), "---\nreason: \"\\ufffe\\uffff\"\n")
    }

    func testEveryCharacterReadsBackUnchanged() {
        let samples = (0...0x3000).compactMap(Unicode.Scalar.init) + [
            "\u{D7FF}", "\u{E000}", "\u{FEFF}", "\u{FFFD}", "\u{FFFE}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}",
        ]
        for scalar in samples {
            let value = "<\(Character(scalar))>"
            assertReadsBack(value, from: escaped(value))
        }
    }

    /// Checks that `document` is `---` and one line `reason: "..."` holding
    /// only characters YAML prints, whose escapes decode to `value`.
    private func assertReadsBack(_ value: String, from document: String, file: StaticString = #filePath, line: UInt = #line) {
        let prefix = "---\nreason: \"", suffix = "\"\n"
        guard document.hasPrefix(prefix), document.hasSuffix(suffix), document.count >= prefix.count + suffix.count else {
            return XCTFail("not one quoted scalar: \(document.debugDescription)", file: file, line: line)
        }
        let body = document.unicodeScalars.dropFirst(prefix.unicodeScalars.count).dropLast(suffix.unicodeScalars.count)
        var decoded = String.UnicodeScalarView()
        var rest = Substring.UnicodeScalarView(body)
        while let scalar = rest.popFirst() {
            switch scalar.value {
            case 0x5C:
                guard let decodedEscape = Self.decodeEscape(&rest) else {
                    return XCTFail("bad escape in \(document.debugDescription)", file: file, line: line)
                }
                decoded.append(decodedEscape)
            case 0x22, 0..<0x20, 0x7F...0x9F, 0xFFFE, 0xFFFF:
                return XCTFail("U+\(String(scalar.value, radix: 16)) unescaped in \(document.debugDescription)", file: file, line: line)
            default:
                decoded.append(scalar)
            }
        }
        XCTAssertEqual(String(decoded), value, file: file, line: line)
    }

    /// The character an escape (after its backslash) stands for, as YAML reads it.
    private static func decodeEscape(_ rest: inout Substring.UnicodeScalarView) -> Unicode.Scalar? {
        guard let kind = rest.popFirst() else { return nil }
        let digits: Int
        switch kind {
        case "\"": return "\""
        case "\\": return "\\"
        case "n": return "\n"
        case "t": return "\t"
        case "x": digits = 2
        case "u": digits = 4
        default: return nil
        }
        let hex = String(String.UnicodeScalarView(rest.prefix(digits)))
        rest = rest.dropFirst(digits)
        guard hex.count == digits, let value = UInt32(hex, radix: 16) else { return nil }
        return Unicode.Scalar(value)
    }
}
