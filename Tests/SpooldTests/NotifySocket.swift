import Foundation

/// A `NOTIFY_SOCKET` owned by a test: a Unix datagram socket that collects
/// what a service sends to systemd.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram, or nil if none arrives within `timeout`.
    func receive(timeout: TimeInterval = 5) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    /// Datagrams until one satisfies `predicate` (included), or nil after `timeout`.
    func receive(until predicate: (String) -> Bool, timeout: TimeInterval = 5) -> [String]? {
        let deadline = Date().addingTimeInterval(timeout)
        var messages: [String] = []
        while let message = receive(timeout: max(0, deadline.timeIntervalSinceNow)) {
            messages.append(message)
            if predicate(message) { return messages }
        }
        return nil
    }
}
