import ArgumentParser
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolProtocol
import SpoolServer
import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// spoold's entry point.
@main
enum SpooldMain {
    static func main() async {
        // Before any other thread exists: take the sockets systemd passed (this
        // unsets LISTEN_*, which is not thread-safe) and route logs to the journal.
        let inherited: [ActivatedSocket]
        do {
            inherited = try SocketActivation.takeListeningSockets()
        } catch {
            Spoold.exit(withError: ValidationError("cannot take the sockets passed by systemd: \(error)"))
        }
        LoggingSystem.bootstrap { label in SystemdLogging.handler(label: label, identifier: "spoold") }
        let command = Spoold.parseOrExit()
        do {
            try await command.run(inherited: inherited)
        } catch {
            Spoold.exit(withError: error)
        }
    }
}

/// The spoold command line: Spool's own flags plus beanstalkd's, so that spoold
/// can take beanstalkd's place in existing scripts and images.
struct Spoold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spoold",
        abstract: "Spool's daemon: a durable job queue that speaks the beanstalkd protocol.",
        discussion: """
            Listeners: under systemd socket activation spoold serves every socket it is \
            passed (Unix and TCP). Each --listen adds one socket it binds itself (unix:PATH \
            or tcp:HOST:PORT); beanstalkd's -l/-p add one more (-l unix:PATH, or -l HOST \
            with -p PORT). With neither, spoold listens on tcp:127.0.0.1:11300.

            Under systemd (Type=notify) spoold reports READY=1 once it serves, a live \
            STATUS= line, WATCHDOG=1 at half of WatchdogSec= from its serving loop, and \
            STOPPING=1 when it stops. It logs to the journal with structured fields when \
            its stderr is the journal.

            Signals: SIGTERM and SIGINT stop spoold cleanly; SIGUSR1 puts it in drain \
            mode, where every put is answered DRAINING.
            """)

    @Option(name: .long, help: ArgumentHelp("A socket to listen on: unix:PATH or tcp:HOST:PORT (repeatable).", valueName: "address"))
    var listen: [String] = []

    @Option(name: .customShort("l"), help: ArgumentHelp("beanstalkd: listen on this address (a host, or unix:PATH).", valueName: "addr"))
    var beanstalkdAddress: String?

    @Option(name: .customShort("p"), help: ArgumentHelp("beanstalkd: listen on this TCP port (default 11300).", valueName: "port"))
    var beanstalkdPort: Int?

    @Option(name: .customShort("z"), help: ArgumentHelp("Maximum job size in bytes (default 65535, at most 1073741824).", valueName: "bytes"))
    var maxJobSize: Int = ProtocolLimits.defaultMaxJobSize

    @Option(name: .customShort("b"), help: ArgumentHelp("beanstalkd: the durable store's directory.", valueName: "dir"))
    var storeDirectory: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("beanstalkd: fsync at most every MS milliseconds.", valueName: "ms"))
    var fsyncInterval: Int?

    @Flag(name: .customShort("F"), help: "beanstalkd: never fsync.")
    var neverFsync = false

    @Option(help: ArgumentHelp("Exit after this many seconds with no jobs and no connections (0: never). Meant for socket activation, which starts spoold again on the next connection.", valueName: "seconds"))
    var exitWhenIdle: UInt32 = 0

    @Flag(name: .customShort("V"), help: "Increase verbosity (repeatable).")
    var verbosity: Int

    @Flag(name: .customShort("v"), help: "Print the version and exit.")
    var showVersion = false

    func validate() throws {
        guard (1...ProtocolLimits.maxJobSizeCeiling).contains(maxJobSize) else {
            throw ValidationError("-z must be between 1 and \(ProtocolLimits.maxJobSizeCeiling)")
        }
        if storeDirectory != nil || fsyncInterval != nil || neverFsync {
            throw ValidationError(
                "-b, -f and -F select the durable store, which this build of spoold does not have yet; jobs are kept in memory only. Run without them.")
        }
        _ = try listeners()
    }

    /// Every address to bind, from --listen and from -l/-p; the default only
    /// when nothing is given and nothing was inherited.
    func listeners(inheritedAny: Bool = false) throws -> [ListenAddress] {
        var addresses: [ListenAddress] = []
        for text in listen {
            guard let address = ListenAddress(text) else {
                throw ValidationError("bad --listen address '\(text)': use unix:PATH or tcp:HOST:PORT")
            }
            addresses.append(address)
        }
        if beanstalkdAddress != nil || beanstalkdPort != nil {
            let port = beanstalkdPort ?? 11300
            guard (0...65535).contains(port) else { throw ValidationError("-p must be a port number") }
            let host = beanstalkdAddress ?? "0.0.0.0"
            if host.hasPrefix("unix:") {
                guard let address = ListenAddress(host) else { throw ValidationError("bad -l address '\(host)'") }
                addresses.append(address)
            } else {
                addresses.append(.tcp(host: host, port: port))
            }
        }
        return addresses.isEmpty && !inheritedAny ? [.tcp(host: "127.0.0.1", port: 11300)] : addresses
    }

    func run(inherited: [ActivatedSocket]) async throws {
        if showVersion {
            print("spoold \(SpoolVersion.current)")
            return
        }
        var logger = Logger(label: "spoold")
        logger.logLevel = verbosity >= 2 ? .debug : verbosity == 1 ? .info : .notice
        raiseOpenFileLimit(logger: logger)

        var configuration = ServerConfiguration(listeners: try listeners(inheritedAny: !inherited.isEmpty), maxJobSize: maxJobSize)
        configuration.inheritedSockets = inherited.map { InheritedSocket(fileDescriptor: $0.fileDescriptor, name: $0.name) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (events, continuation) = AsyncStream.makeStream(of: LifecycleEvent.self)
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT, SIGUSR1]) { continuation.yield(.signal($0)) }
        let server = try await SpoolServer(configuration: configuration, eventLoop: group.next(), logger: logger)
        do {
            try await server.start()
        } catch {
            await server.shutdown()
            try? await group.shutdownGracefully()
            throw ValidationError("cannot listen: \(error)")
        }
        let service = ServiceReporter(notifier: ServiceNotifier(), logger: logger)
        let tasks = try await service.start(server: server, idleLimit: exitWhenIdle) { continuation.yield(.idle) }
        logger.notice("spoold started", metadata: [
            "version": "\(SpoolVersion.current)",
            "listeners": "\((configuration.inheritedSockets.map(\.name) + configuration.listeners.map(\.description)).joined(separator: " "))",
        ])
        loop: for await event in events {
            switch event {
            case .signal(SIGUSR1):
                logger.notice("entering drain mode: puts are refused")
                server.drain()
            case .signal(let number):
                logger.notice("stopping", metadata: ["signal": "\(number)"])
                break loop
            case .idle:
                logger.notice("idle: no jobs and no connections", metadata: ["idle_seconds": "\(exitWhenIdle)"])
                break loop
            }
        }
        withExtendedLifetime(signals) {}
        tasks.forEach { $0.cancel() }
        service.stopping()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    /// Raises the soft limit on open files to the hard limit, so that thousands
    /// of clients can connect at once.
    private func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.warning("cannot raise the open-file limit", metadata: ["errno": "\(errno)"])
        }
    }
}
