import Foundation
import XCTest

/// Process-wide things the tests share: temporary directories, environment
/// variables restored after each test, free ports, the built products.
enum TestEnvironment {
    /// The build products directory: on Linux the directory of the test bundle.
    static var productsDirectory: URL { Bundle.main.bundleURL }

    /// The example executable, built because the test target depends on it.
    static var example: URL { productsDirectory.appendingPathComponent("systemd-notify-example") }

    /// A new, empty directory under `/tmp` with a short path (Unix socket
    /// paths are limited to 108 bytes); removed at the end of `test`.
    static func temporaryDirectory(for test: XCTestCase) throws -> String {
        var template = Array("/tmp/systemd-tests.XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
        let path = String(cString: created)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Records `names` now and restores their values (or absence) at the end
    /// of `test`.
    static func restoreAfter(_ test: XCTestCase, _ names: String...) {
        let saved = names.map { name in (name, getenv(name).map { String(cString: $0) }) }
        test.addTeardownBlock {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A stream connection to the Unix socket at `path`.
    static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        return fd
    }
}
