import Foundation
import XCTest

/// Running spoold under `systemd-socket-activate`, waiting for the socket
/// it binds, and connecting to it.
extension XCTestCase {
    /// Starts `systemd-socket-activate` with `arguments`, its output (and
    /// spoold's) collected.
    func socketActivate(_ arguments: [String]) throws -> (Process, OutputCollector) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        process.arguments = arguments
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        let log = OutputCollector(output)
        try process.run()
        return (process, log)
    }

    /// Waits until `path` exists: systemd-socket-activate has bound its sockets.
    func waitForFile(_ path: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline else { throw POSIXError(.ETIMEDOUT) }
            usleep(10_000)
        }
    }

    func connectUnix(_ path: String) throws -> RawClient {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try RawClient(unixPath: path)
            } catch where Date() < deadline {
                usleep(10_000)
            }
        }
    }
}
