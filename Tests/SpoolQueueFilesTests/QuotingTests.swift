import SpoolQueueFiles
import XCTest

/// `ExecStart=` and `Environment=` are split into words as systemd splits them.
final class QuotingTests: XCTestCase {
    private func arguments(_ execStart: String) throws -> [String] {
        try QueueConfiguration(parsing: "[Queue]\nTube=t\nExecStart=\(execStart)", path: mailPath).arguments
    }

    private func problem(_ execStart: String) -> String {
        failure("[Queue]\nTube=t\nExecStart=\(execStart)")
    }

    func testWhitespaceSeparatesWords() throws {
        XCTAssertEqual(try arguments("/bin/echo  a\tb   c"), ["/bin/echo", "a", "b", "c"])
    }

    func testQuotesKeepWhitespaceAndMayBeEmpty() throws {
        XCTAssertEqual(try arguments(#"/bin/echo "a b" 'c  d'"#), ["/bin/echo", "a b", "c  d"])
        XCTAssertEqual(try arguments(#"/bin/echo "" ''"#), ["/bin/echo", "", ""])
        XCTAssertEqual(try arguments(#"/bin/echo "it's" 'say "hi"'"#), ["/bin/echo", "it's", #"say "hi""#])
    }

    func testQuotesMayStartAndEndInsideAWord() throws {
        XCTAssertEqual(try arguments(#"/bin/echo --name="a b"c x'y z'"#), ["/bin/echo", "--name=a bc", "xy z"])
        XCTAssertEqual(try arguments(#""/opt/my app/run" x"#), ["/opt/my app/run", "x"])
    }

    func testBackslashEscapesWorkInsideAndOutsideQuotes() throws {
        XCTAssertEqual(try arguments(#"/bin/echo a\ b \"q\" \'s\' \\"#), ["/bin/echo", "a b", #""q""#, "'s'", "\\"])
        XCTAssertEqual(try arguments(#"/bin/echo "a\"b" 'c\'d' "\\""#), ["/bin/echo", #"a"b"#, "c'd", "\\"])
        XCTAssertEqual(
            try arguments(#"/bin/echo a\sb "\t" \n \a\b\f\r\v"#),
            ["/bin/echo", "a b", "\t", "\n", "\u{7}\u{8}\u{C}\r\u{B}"])
    }

    func testNumericEscapes() throws {
        XCTAssertEqual(
            try arguments(#"/bin/echo \x41\102 \u00e9 \U0001F600 \xc3\xa9"#), ["/bin/echo", "AB", "é", "😀", "é"])
        XCTAssertEqual(try arguments(#"/bin/echo \101x \303\251"#), ["/bin/echo", "Ax", "é"])
    }

    func testNoShellNoVariablesNoSpecifiers() throws {
        XCTAssertEqual(
            try arguments("/bin/echo $HOME ${USER} %i *.txt a|b >out ; x"),
            ["/bin/echo", "$HOME", "${USER}", "%i", "*.txt", "a|b", ">out", ";", "x"])
    }

    func testBadEscapesAndQuotesAreErrors() {
        let at = "\(mailPath):3: ExecStart="
        XCTAssertEqual(problem(#"/bin/echo \q"#), #"\#(at)/bin/echo \q: unknown escape \q"#)
        XCTAssertEqual(problem(#"/bin/echo \x4"#), #"\#(at)/bin/echo \x4: \x needs 2 hexadecimal digits"#)
        XCTAssertEqual(problem(#"/bin/echo \xzz"#), #"\#(at)/bin/echo \xzz: \x needs 2 hexadecimal digits"#)
        XCTAssertEqual(problem(#"/bin/echo \x00"#), #"\#(at)/bin/echo \x00: a word may not contain a NUL"#)
        XCTAssertEqual(problem(#"/bin/echo \000"#), #"\#(at)/bin/echo \000: a word may not contain a NUL"#)
        XCTAssertEqual(problem(#"/bin/echo \08"#), #"\#(at)/bin/echo \08: \0 needs 2 octal digits"#)
        XCTAssertEqual(problem(#"/bin/echo \477"#), #"\#(at)/bin/echo \477: octal escapes go up to \377"#)
        XCTAssertEqual(problem(#"/bin/echo \u12"#), #"\#(at)/bin/echo \u12: \u needs 4 hexadecimal digits"#)
        XCTAssertEqual(problem(#"/bin/echo \ud800"#), #"\#(at)/bin/echo \ud800: \u: U+D800 is not a valid character"#)
        XCTAssertEqual(
            problem(#"/bin/echo \U00110000"#), #"\#(at)/bin/echo \U00110000: \U: U+110000 is not a valid character"#)
        XCTAssertEqual(problem(#"/bin/echo \u0000"#), #"\#(at)/bin/echo \u0000: \u: U+0 is not a valid character"#)
        XCTAssertEqual(problem(#"/bin/echo \xff"#), #"\#(at)/bin/echo \xff: its escapes make invalid UTF-8"#)
        XCTAssertEqual(problem(#"/bin/echo "a"#), #"\#(at)/bin/echo "a: has no closing ""#)
        XCTAssertEqual(problem(#"/bin/echo 'a "b"#), #"\#(at)/bin/echo 'a "b: has no closing '"#)
        XCTAssertEqual(problem(#""""#), #"\#(at)"": the program  is not an absolute path"#)
    }

    func testALoneTrailingBackslashOnTheLastLineIsAnError() {
        XCTAssertEqual(
            problem(#"/bin/echo a\"#), #"\#(mailPath):3: ExecStart=/bin/echo a\: ends with a lone backslash"#)
    }

    func testEnvironmentWordsAreQuotedTheSameWay() throws {
        let queue = try mailQueue(#"Environment="A=x y" B='1 2' C=\x41\s"#, #"Environment=D="quoted"tail E=a\"b"#)
        XCTAssertEqual(queue.environment, ["A": "x y", "B": "1 2", "C": "A ", "D": "quotedtail", "E": #"a"b"#])
    }
}
