import Foundation
import XCTest

/// Waiting for a socket that `systemd-socket-activate` binds, and connecting to it.
extension XCTestCase {
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
