import Foundation

/// A blocking TCP client that sends raw bytes and reads replies with a deadline,
/// for byte-exact protocol checks.
final class RawClient {
    private var fd: Int32
    private var pending = [UInt8]()

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let code = errno
            Glibc.close(fd)
            fd = -1
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
    }

    /// Connects to the Unix socket at `path`.
    init(unixPath path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
        guard connected else {
            let code = errno
            Glibc.close(fd)
            fd = -1
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
    }

    /// Closes the connection (once: a descriptor number reused since is not closed again).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Resets the connection (TCP RST, with `SO_LINGER` zero): the server
    /// sees it gone at once, where a close only ends its input.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Sends `bytes` again and again until `limit` bytes went or the peer
    /// took nothing for `stall` seconds (it stopped reading); returns the
    /// count sent.
    func sendUntilStalled(_ bytes: [UInt8], limit: Int, stall: TimeInterval) -> Int {
        var total = 0
        while total < limit {
            total += sendWithoutBlocking(bytes)
            var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&ready, 1, Int32(stall * 1000)) <= 0 || ready.revents & Int16(POLLOUT) == 0 { break }
        }
        return total
    }

    /// Sends as much of `bytes` as the socket takes without blocking; returns the count sent.
    func sendWithoutBlocking(_ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent <= 0 { break }
            offset += sent
        }
        return offset
    }

    /// Sends a string's UTF-8 bytes.
    func send(_ text: String) {
        send(Array(text.utf8))
    }

    /// Closes the sending half of the connection.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads until `count` bytes are available or `timeout` passes; returns what arrived.
    func read(count: Int, timeout: TimeInterval = 5) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while pending.count < count, fill(until: deadline) {}
        let taken = pending.prefix(count)
        pending.removeFirst(taken.count)
        return String(decoding: taken, as: UTF8.self)
    }

    /// Reads exactly the bytes of `expected` (or whatever arrives before the deadline).
    func read(matching expected: String, timeout: TimeInterval = 5) -> String {
        read(count: expected.utf8.count, timeout: timeout)
    }

    /// Reads one reply line, including its CR LF.
    func readLine(timeout: TimeInterval = 5) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[...end])
                pending.removeFirst(line.count)
                return String(decoding: line, as: UTF8.self)
            }
            guard fill(until: deadline) else {
                defer { pending.removeAll() }
                return String(decoding: pending, as: UTF8.self)
            }
        }
    }

    /// Reads an `OK <bytes>` reply and returns its YAML body (empty when the reply is something else).
    func readDocument(timeout: TimeInterval = 5) -> String {
        let header = readLine(timeout: timeout)
        let fields = header.split(separator: " ")
        guard fields.count == 2, fields[0] == "OK",
            let length = Int(fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
        else { return "" }
        return String(read(count: length + 2, timeout: timeout).dropLast())
    }

    /// Whether the server closed the connection within `timeout`.
    func isClosedByPeer(timeout: TimeInterval = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 50) > 0 {
                var byte: UInt8 = 0
                let got = recv(fd, &byte, 1, 0)
                if got == 0 { return true }
                if got < 0 { return errno == ECONNRESET }
                pending.append(byte)
            }
        }
        return false
    }

    /// Waits for more bytes until the deadline; false on timeout or end of stream.
    private func fill(until deadline: Date) -> Bool {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let got = recv(fd, &chunk, chunk.count, 0)
        guard got > 0 else { return false }
        pending.append(contentsOf: chunk[..<got])
        return true
    }
}
