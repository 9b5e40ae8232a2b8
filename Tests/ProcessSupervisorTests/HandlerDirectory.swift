import Foundation
import ProcessSupervisor
import SpoolQueueFiles
import XCTest

/// A temporary directory of handler programs written by a test, readable by
/// every user so that handlers can run as `nobody`, removed with ``remove()``.
final class HandlerDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/spool-handlers-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        // mkdtemp filled in the X's of the template, which ends with its NUL.
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard chmod(path, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
    }

    /// Writes the program `name`: a `/bin/sh` script running `body`, unless
    /// `body` starts with its own `#!` line. Returns its path.
    func program(_ name: String, _ body: String, executable: Bool = true) throws -> String {
        let file = "\(path)/\(name)"
        let text = body.hasPrefix("#!") ? body : "#!/bin/sh\n\(body)\n"
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: file)
        return file
    }

    /// The command of a queue running `program` as `user` (the test's own by
    /// default) in `workingDirectory` (this directory by default), with more
    /// `[Queue]` lines, for one attempt at a job of the tube `mail`.
    func command(
        _ program: String, _ lines: [String] = [], user: String = HandlerDirectory.currentUser,
        workingDirectory: String? = nil, jobID: UInt64 = 1, attempt: Int = 1, priority: UInt32 = 0
    ) throws -> HandlerCommand {
        let text =
            ([
                "[Queue]", "Tube=mail", "ExecStart=\(program)", "User=\(user)",
                "WorkingDirectory=\(workingDirectory ?? path)",
            ] + lines).joined(separator: "\n")
        let queue = try QueueConfiguration(parsing: text, path: "\(path)/mail.conf")
        return HandlerCommand(queue: queue, jobID: jobID, attempt: attempt, priority: priority)
    }

    func remove() throws {
        try FileManager.default.removeItem(atPath: path)
    }

    /// The name of the user running the tests.
    static var currentUser: String {
        String(cString: getpwuid(getuid())!.pointee.pw_name)
    }
}
