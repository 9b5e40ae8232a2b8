#if canImport(Glibc)
import Glibc
#endif

/// Facts about this server process that `stats` reports.
public struct ProcessIdentity: Sendable {
    public let pid: Int32
    /// A random id for this process, as 16 hex digits.
    public let instanceID: String
    public let hostname: String
    public let os: String
    public let platform: String

    public init() {
        pid = getpid()
        instanceID = (0..<8).map { _ in
            let byte = UInt8.random(in: 0...255)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
        var names = utsname()
        uname(&names)
        hostname = Self.string(&names.nodename)
        os = Self.string(&names.version)
        platform = Self.string(&names.machine)
    }

    private static func string<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// User and system CPU time, formatted as `seconds.micros`.
    public static func cpuTimes() -> (user: String, system: String) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func format(_ time: timeval) -> String {
            let micros = String(time.tv_usec)
            return "\(time.tv_sec)." + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
        }
        return (format(usage.ru_utime), format(usage.ru_stime))
    }
}
