import SpoolQueueFiles
import XCTest

/// The path the tests' queue files are reported under.
let mailPath = "/etc/spool/queues.d/mail.conf"

/// The queue of a file with `Tube=mail`, `ExecStart=/bin/true` and then `lines`
/// (from line 4 on).
func mailQueue(_ lines: String..., file: StaticString = #filePath, line: UInt = #line) throws -> QueueConfiguration {
    do {
        return try QueueConfiguration(
            parsing: (["[Queue]", "Tube=mail", "ExecStart=/bin/true"] + lines).joined(separator: "\n"), path: mailPath)
    } catch {
        XCTFail("unexpected error: \(error)", file: file, line: line)
        throw error
    }
}

/// The message of the error parsing `text` throws, or `"no error"`.
func failure(_ text: String) -> String {
    do {
        _ = try QueueConfiguration(parsing: text, path: mailPath)
        return "no error"
    } catch {
        return error.description
    }
}

/// The message of the error of a file with `Tube=mail`, `ExecStart=/bin/true`
/// and then `lines` (from line 4 on).
func mailFailure(_ lines: String...) -> String {
    failure((["[Queue]", "Tube=mail", "ExecStart=/bin/true"] + lines).joined(separator: "\n"))
}
