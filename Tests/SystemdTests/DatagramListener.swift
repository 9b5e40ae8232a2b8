import Foundation

/// A Unix datagram socket owned by a test, bound at a path: it plays the
/// service manager's `NOTIFY_SOCKET` or the journal's socket.
final class DatagramListener {
    /// One datagram.
    struct Message {
        /// The datagram's bytes, as text.
        let text: String

        /// The file descriptors that came with it (`SCM_RIGHTS`), now owned
        /// by the test.
        let descriptors: [Int32]
    }

    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram, or nil when none arrives within `timeout` seconds.
    func receive(timeout: TimeInterval = 5) -> Message? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var data = [UInt8](repeating: 0, count: 4096)
        var control = [UInt8](repeating: 0, count: 256)
        let (count, controlLength) = data.withUnsafeMutableBytes { dataBuffer in
            control.withUnsafeMutableBytes { controlBuffer in
                var vector = iovec(iov_base: dataBuffer.baseAddress, iov_len: dataBuffer.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var header = msghdr()
                    header.msg_iov = vectorPointer
                    header.msg_iovlen = 1
                    header.msg_control = controlBuffer.baseAddress
                    header.msg_controllen = controlBuffer.count
                    let received = recvmsg(fd, &header, 0)
                    return (received, Int(header.msg_controllen))
                }
            }
        }
        guard count >= 0 else { return nil }
        return Message(
            text: String(decoding: data[..<count], as: UTF8.self),
            descriptors: Self.rights(in: Array(control[..<controlLength]))
        )
    }

    /// The descriptors of the `SCM_RIGHTS` control messages in `control`.
    private static func rights(in control: [UInt8]) -> [Int32] {
        let headerSize = MemoryLayout<cmsghdr>.size
        var descriptors: [Int32] = []
        var offset = 0
        while offset + headerSize <= control.count {
            let header = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self) }
            let length = Int(header.cmsg_len)
            guard length >= headerSize else { break }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) {
                for start in stride(from: offset + headerSize, to: offset + length, by: 4) {
                    descriptors.append(control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: Int32.self) })
                }
            }
            offset += (length + 7) & ~7
        }
        return descriptors
    }
}
