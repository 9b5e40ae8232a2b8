#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import SpoolProtocol

/// One open connection to a server: a NIO channel with a ``ReplyDecoder``
/// and a ``ReplyHandler``, on `MultiThreadedEventLoopGroup.singleton`.
final class Connection: Sendable {
    private let channel: Channel
    private let handler: NIOLoopBound<ReplyHandler>
    /// ``ClientConfiguration/replyTimeout``.
    private let replyTimeout: Duration?

    private init(channel: Channel, handler: NIOLoopBound<ReplyHandler>, replyTimeout: Duration?) {
        self.channel = channel
        self.handler = handler
        self.replyTimeout = replyTimeout
    }

    /// Whether the connection is still open.
    var isOpen: Bool { channel.isActive }

    /// Writes `commands` in one batch, in order, and returns one future per
    /// command for its reply. Nothing is written between them, and commands
    /// sent by later calls follow them.
    func send(_ commands: [Command]) -> [EventLoopFuture<ReceivedReply>] {
        var buffer = channel.allocator.buffer(capacity: 64 * commands.count)
        for command in commands { command.encode(into: &buffer) }
        let awaited = commands.map { command in
            ReplyHandler.Awaited(promise: channel.eventLoop.makePromise(of: ReceivedReply.self), allowance: allowance(for: command))
        }
        let handler = handler
        channel.eventLoop.execute { [buffer] in handler.value.send(buffer, awaiting: awaited) }
        return awaited.map(\.promise.futureResult)
    }

    /// How long `command`'s reply may take: the reply timeout, plus the
    /// wait a reserve asks for (none for a plain `reserve`, which may wait
    /// for ever).
    private func allowance(for command: Command) -> Duration? {
        guard let replyTimeout else { return nil }
        switch command {
        case .reserve: return nil
        case .reserveWithTimeout(let seconds): return replyTimeout + .seconds(max(0, seconds))
        default: return replyTimeout
        }
    }

    /// How many commands are written and not answered yet.
    func awaitedReplies() async throws -> Int {
        let handler = handler
        return try await channel.eventLoop.submit { handler.value.awaitedReplies }.get()
    }

    /// Closes the connection; commands in flight fail with ``SpoolClientError/connectionClosed``.
    func close() {
        channel.close(promise: nil)
    }

    /// Connects to `endpoint`, trying as often as `configuration.reconnect`
    /// allows and waiting between attempts as it says.
    ///
    /// - Throws: ``SpoolClientError/connectionFailed(_:)`` with the last
    ///   attempt's reason once attempts run out; `CancellationError` when the
    ///   task is cancelled while it waits between attempts.
    static func establish(to endpoint: Endpoint, configuration: ClientConfiguration) async throws -> Connection {
        var attempt = 1
        while true {
            do {
                return try await open(endpoint, timeout: configuration.connectTimeout, replyTimeout: configuration.replyTimeout)
            } catch let ConnectFailure.reason(reason, deniedAccess) {
                if deniedAccess {
                    // Waiting does not change a socket's permissions.
                    throw SpoolClientError.accessDenied("cannot connect to \(endpoint): \(reason)")
                }
                let next = attempt + 1
                guard configuration.reconnect.allows(attempt: next) else {
                    let attempts = attempt == 1 ? "" : " (\(attempt) attempts)"
                    throw SpoolClientError.connectionFailed("cannot connect to \(endpoint): \(reason)\(attempts)")
                }
                try await configuration.sleep(configuration.reconnect.delay(beforeAttempt: next, jitter: configuration.jitter()))
                attempt = next
            }
        }
    }

    /// Why one attempt failed, in words, and whether the system refused
    /// this user (EACCES, EPERM).
    private enum ConnectFailure: Error {
        case reason(String, deniedAccess: Bool)
    }

    /// One connection attempt.
    private static func open(_ endpoint: Endpoint, timeout: Duration, replyTimeout: Duration?) async throws -> Connection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(clamping: timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ReplyHandler())
                }
            }
        let channel: Channel
        do {
            switch endpoint {
            case .unix(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            throw ConnectFailure.reason(describe(error, timeout: timeout), deniedAccess: [EACCES, EPERM].contains(errno(of: error)))
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ReplyHandler.self), eventLoop: channel.eventLoop)
            }.get()
            return Connection(channel: channel, handler: handler, replyTimeout: replyTimeout)
        } catch {
            throw ConnectFailure.reason("the server closed the connection at once", deniedAccess: false)
        }
    }

    /// The system's error number behind a failed connect, if there is one.
    private static func errno(of error: Error) -> Int32? {
        switch error {
        case let error as IOError: error.errnoCode
        case let error as NIOConnectionError: error.connectionErrors.first.flatMap { errno(of: $0.error) }
        default: nil
        }
    }

    /// The reason a connect failed, as a person reads it: the system's words
    /// for an errno ("Connection refused"), "timed out after 5 seconds", and so on.
    private static func describe(_ error: Error, timeout: Duration) -> String {
        switch error {
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first {
                return describe(first.error, timeout: timeout)
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return "cannot resolve host \(error.host)"
            }
            return "no address found for host \(error.host)"
        case ChannelError.connectTimeout:
            return "timed out after \(timeout)"
        case SocketAddressError.unixDomainSocketPathTooLong:
            return "the socket path is too long"
        default:
            return String(describing: error)
        }
    }
}
