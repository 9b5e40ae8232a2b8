import Foundation
import XCTest

/// What a test takes for itself and nobody else uses: a private directory, a free port.
public enum TestScratch {
    /// A fresh private directory, removed when the test that made it ends or, when
    /// `sharedBySuite` (a fixture the test class keeps for all its tests, made in the first),
    /// when the suite running now ends.
    public static func temporaryDirectory(sharedBySuite: Bool = false) throws -> URL {
        try directory(in: FileManager.default.temporaryDirectory, sharedBySuite: sharedBySuite)
    }

    /// A fresh private directory outside /tmp and /var/tmp, for the files of
    /// handlers (scripts, their output): each handler gets a /tmp of its own
    /// (the sandbox's PrivateTmp=), where the shared one's files are not.
    public static func handlerDirectory() throws -> URL {
        let base = URL(fileURLWithPath: "/run/spool-tests")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        guard chmod(base.path, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM) }
        return try directory(in: base, sharedBySuite: false)
    }

    private static func directory(in base: URL, sharedBySuite: Bool) throws -> URL {
        let url = base.appendingPathComponent("spool-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        ScratchCleaner.shared.track(url, bySuite: sharedBySuite)
        return url
    }

    /// A TCP port on 127.0.0.1 that is free right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
