import CSystemd
import Glibc

/// Socket activation: the listening sockets systemd opened for this service
/// (see `sd_listen_fds(3)`).
public enum SocketActivation {
    /// Takes the sockets passed by socket activation.
    ///
    /// Reads `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`, ignores them
    /// when `LISTEN_PID` names another process, marks each passed descriptor
    /// close-on-exec, and removes the three variables from the environment so
    /// that child processes do not take the sockets too.
    ///
    /// Call this once, at the very start of `main`, before any thread starts:
    /// it modifies the environment, which is not safe while other threads may
    /// read it.
    ///
    /// - Returns: the sockets in systemd's order, or an empty array when the
    ///   process was not socket-activated.
    /// - Throws: ``SystemdError`` when the variables are malformed.
    public static func takeListeningSockets() throws -> [ActivatedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        defer { free(names) }
        guard count >= 0 else {
            throw SystemdError(errno: count, function: "sd_listen_fds_with_names")
        }
        return (0..<count).map { index in
            let name = names?[Int(index)].map { String(cString: $0) } ?? "unknown"
            return ActivatedSocket(fileDescriptor: SD_LISTEN_FDS_START + index, name: name)
        }
    }

    /// Frees the NULL-terminated name array that `sd_listen_fds_with_names`
    /// allocated.
    private static func free(_ names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        guard let names else { return }
        var index = 0
        while let name = names[index] {
            Glibc.free(name)
            index += 1
        }
        Glibc.free(names)
    }
}
