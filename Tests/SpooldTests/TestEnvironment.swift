import Foundation
import XCTest

/// Where the tests find the package, the built binaries and the test tools.
enum TestEnvironment {
    /// The package's root directory.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The directory holding the products of this build (spoold among them).
    static var productsDirectory: URL {
        Bundle.main.bundleURL
    }

    /// The spoold binary built with the tests.
    static var spoold: URL { productsDirectory.appendingPathComponent("spoold") }

    /// The Python interpreter of the test venv (`SPOOL_TEST_PYTHON`, or `.venv/bin/python` made by `scripts/test`).
    static var python: String {
        ProcessInfo.processInfo.environment["SPOOL_TEST_PYTHON"]
            ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// The directory of the third-party client suites.
    static var clients: URL { packageRoot.appendingPathComponent("Tests/Clients") }
}

/// The result of running a command to completion.
struct CommandResult {
    let status: Int32
    let output: String
}

/// Runs a program with arguments and extra environment, bounded in time; its
/// stdout and stderr are captured together.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                timeout: TimeInterval = 300) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let collected = OutputCollector(pipe)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        return CommandResult(status: -1, output: collected.text + "\n[timed out after \(timeout) s]")
    }
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, output: collected.text)
}

/// Reads a pipe to the end on a background thread.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            done.signal()
        }
    }

    /// Everything read, once the writer closed the pipe.
    var text: String {
        done.wait()
        done.signal()
        return soFar
    }

    /// What has been read so far, while the writer still writes.
    var soFar: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
