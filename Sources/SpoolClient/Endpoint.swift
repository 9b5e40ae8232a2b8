/// Where a Spool (or beanstalkd) server listens.
///
/// Written as text, an endpoint is `unix:PATH` or `tcp:HOST:PORT`, the forms
/// `spoold --listen` takes; ``init(parsing:)`` also accepts a bare absolute
/// path and a bare `HOST:PORT`. An IPv6 host is written in brackets:
/// `tcp:[::1]:11300`.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// A Unix domain socket at `path`.
    case unix(path: String)
    /// A TCP port on `host`, a name or an IPv4 or IPv6 address.
    case tcp(host: String, port: Int)

    /// Parses `unix:/run/spool/spool.sock`, `/abs/path` (Unix), `tcp:HOST:PORT`
    /// or `HOST:PORT`.
    ///
    /// - Throws: ``SpoolClientError/invalidArgument(_:)`` naming the text when
    ///   it is none of these, or when the port is not a number from 1 to 65535.
    public init(parsing text: String) throws {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw Self.invalid(text, "the socket path is empty") }
            self = .unix(path: path)
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else if text.hasPrefix("tcp:") {
            self = try Self.parseHostAndPort(text.dropFirst("tcp:".count), in: text)
        } else {
            self = try Self.parseHostAndPort(Substring(text), in: text)
        }
    }

    /// `unix:PATH` or `tcp:HOST:PORT` (`tcp:[HOST]:PORT` when the host holds a colon).
    public var description: String {
        switch self {
        case .unix(let path):
            return "unix:\(path)"
        case .tcp(let host, let port):
            return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }

    private static func parseHostAndPort(_ text: Substring, in whole: String) throws -> Endpoint {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid(whole, "expected [HOST]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid(whole, "expected HOST:PORT") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw invalid(whole, "write an IPv6 host in brackets: [HOST]:PORT") }
        }
        guard !host.isEmpty else { throw invalid(whole, "the host is empty") }
        guard portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), (1...65_535).contains(port) else {
            throw invalid(whole, "the port must be a number from 1 to 65535")
        }
        return .tcp(host: String(host), port: port)
    }

    private static func invalid(_ text: String, _ reason: String) -> SpoolClientError {
        .invalidArgument("invalid endpoint \"\(text)\": \(reason) (expected unix:PATH, /PATH, tcp:HOST:PORT or HOST:PORT)")
    }
}

extension Character {
    /// Whether the character is one of the ASCII digits 0 to 9.
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
