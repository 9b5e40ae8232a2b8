import Foundation

/// A TCP server that answers the first bytes it receives with `reply`, then
/// keeps the connection open until the client closes it.
final class HostileServer {
    let port: Int
    private let listener: Int32

    init(sending reply: [UInt8]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard listening else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [listener] in
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            var scratch = [UInt8](repeating: 0, count: 4096)
            if recv(connection, &scratch, scratch.count, 0) > 0 {
                _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                while recv(connection, &scratch, scratch.count, 0) > 0 {}
            }
            close(connection)
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
