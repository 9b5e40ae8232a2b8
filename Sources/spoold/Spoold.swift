import ArgumentParser
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import DBus
import SpoolControl
import SpoolCore
import SpoolPool
import SpoolProtocol
import SpoolServer
import SpoolStore
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
        } catch let error as StartupError {
            _ = "spoold: \(error.message)\n".withCString { write(2, $0, strlen($0)) }
            Spoold.exit(withError: ExitCode.failure)
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

            Storage, as in beanstalkd: with a state directory (-b DIR, --state-directory \
            DIR or $STATE_DIRECTORY, which systemd's StateDirectory= sets) jobs are kept \
            durably there; with none, in memory only, and nothing is written.

            Under systemd (Type=notify) spoold reports READY=1 once it serves, a live \
            STATUS= line, WATCHDOG=1 at half of WatchdogSec= from its serving loop, and \
            STOPPING=1 when it stops. It logs to the journal with structured fields when \
            its stderr is the journal.

            Worker pool: each file NAME.conf in the queue directory configures a pool of \
            workers that run a handler program for every job of one tube (see \
            spool-queue.conf(5) and README).

            Signals: SIGTERM and SIGINT stop spoold cleanly (running handlers get \
            --worker-stop-timeout to finish); SIGHUP reloads the queue directory; SIGUSR1 \
            puts it in drain mode, where every put is answered DRAINING.
            """)

    @Option(name: .long, help: ArgumentHelp("A socket to listen on: unix:PATH or tcp:HOST:PORT (repeatable).", valueName: "address"))
    var listen: [String] = []

    @Option(name: .customShort("l"), help: ArgumentHelp("beanstalkd: listen on this address (a host, or unix:PATH).", valueName: "addr"))
    var beanstalkdAddress: String?

    @Option(name: .customShort("p"), help: ArgumentHelp("beanstalkd: listen on this TCP port (default 11300).", valueName: "port"))
    var beanstalkdPort: Int?

    @Option(name: .customShort("z"), help: ArgumentHelp("Maximum job size in bytes (default 65535, at most 1073741824).", valueName: "bytes"))
    var maxJobSize: Int = ProtocolLimits.defaultMaxJobSize

    @Option(name: [.customLong("state-directory"), .customShort("b")], help: ArgumentHelp("Keep jobs durably in this directory (beanstalkd's -b). Default: $STATE_DIRECTORY, as systemd's StateDirectory= sets it; with neither, jobs are kept in memory only, as in beanstalkd without -b.", valueName: "dir"))
    var stateDirectory: String?

    @Option(help: ArgumentHelp("With a state directory: always (the default: fsync before every acknowledgement), interval:MS (fsync at most every MS ms), nosync (never fsync) or off (memory only). Without one only off is possible.", valueName: "mode"))
    var durability: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("beanstalkd: fsync at most every MS milliseconds; the same as --durability interval:MS (0: always). Without a state directory it has no effect, as in beanstalkd.", valueName: "ms"))
    var fsyncInterval: UInt32?

    @Flag(name: .customShort("F"), help: "beanstalkd: never fsync; the same as --durability nosync. Without a state directory it has no effect, as in beanstalkd.")
    var neverFsync = false

    @Option(help: ArgumentHelp("The D-Bus bus for the control plane: system (the default), session, none, or an address such as unix:path=/run/test/bus. spoold runs without the control plane when the system bus cannot be reached; an explicit bus that cannot be reached is an error.", valueName: "bus"))
    var bus: String?

    @Option(help: ArgumentHelp("The directory of queue files (NAME.conf), one worker pool each; a missing directory configures none.", valueName: "dir"))
    var queuesDirectory = "/etc/spool/queues.d"

    @Option(help: ArgumentHelp("When stopping, how long running handlers may finish before they get SIGTERM (then SIGKILL 5 s later) and their jobs are released.", valueName: "seconds"))
    var workerStopTimeout: UInt32 = 30

    @Option(help: ArgumentHelp("Exit after this many seconds with no jobs and no connections (0: never). Meant for socket activation, which starts spoold again on the next connection.", valueName: "seconds"))
    var exitWhenIdle: UInt32 = 0

    @Flag(name: .customShort("V"), help: "Increase verbosity (repeatable).")
    var verbosity: Int

    @Flag(name: [.customShort("v"), .long], help: "Print spoold's version and the beanstalkd version whose protocol it speaks, and exit.")
    var showVersion = false

    func validate() throws {
        guard (1...ProtocolLimits.maxJobSizeCeiling).contains(maxJobSize) else {
            throw ValidationError("-z must be between 1 and \(ProtocolLimits.maxJobSizeCeiling)")
        }
        _ = try storage()
        _ = try listeners()
    }

    /// Where and how jobs are kept, decided as beanstalkd decides it: durable
    /// in a state directory when one is named (-b, --state-directory or
    /// $STATE_DIRECTORY), in memory only when none is. --durability, -f and -F
    /// choose how hard the store works; without a directory an explicit
    /// --durability other than `off` is refused, and -f/-F are accepted and
    /// ignored with a warning, as beanstalkd ignores them without -b.
    func storage() throws -> Storage {
        let given = [durability != nil, fsyncInterval != nil, neverFsync].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("choose one of --durability, -f and -F") }
        var mode = DurabilityMode.always
        if let durability {
            guard let chosen = DurabilityMode(durability) else {
                throw ValidationError("bad --durability '\(durability)': use always, interval:MS, nosync or off")
            }
            mode = chosen
        } else if let fsyncInterval {
            mode = fsyncInterval == 0 ? .always : .interval(milliseconds: fsyncInterval)
        } else if neverFsync {
            mode = .nosync
        }
        guard let directory = namedStateDirectory else {
            if durability != nil, mode != .off {
                throw ValidationError(
                    "--durability \(mode) needs a state directory: add -b DIR (or --state-directory DIR); without one spoold keeps jobs in memory only")
            }
            let ignored = fsyncInterval != nil ? "-f" : neverFsync ? "-F" : nil
            return Storage(mode: .off, directory: nil, ignoredFlag: ignored)
        }
        return Storage(mode: mode, directory: mode == .off ? nil : directory, ignoredFlag: nil)
    }

    /// The state directory named by --state-directory (-b) or by systemd's
    /// first StateDirectory= ($STATE_DIRECTORY); nil when neither is.
    private var namedStateDirectory: String? {
        if let stateDirectory { return stateDirectory }
        guard let fromSystemd = getenv("STATE_DIRECTORY").map({ String(cString: $0) }),
              let first = fromSystemd.split(separator: ":").first
        else { return nil }
        return String(first)
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
            print("spoold \(SpoolVersion.current) (beanstalkd \(SpoolVersion.beanstalkdProtocol) protocol)")
            return
        }
        var logger = Logger(label: "spoold")
        logger.logLevel = verbosity >= 2 ? .debug : verbosity == 1 ? .info : .notice
        raiseOpenFileLimit(logger: logger)

        var configuration = ServerConfiguration(listeners: try listeners(inheritedAny: !inherited.isEmpty), maxJobSize: maxJobSize)
        configuration.inheritedSockets = inherited.map { InheritedSocket(fileDescriptor: $0.fileDescriptor, name: $0.name) }
        let storage = try storage()
        let mode = storage.mode
        configuration.durability = mode.description
        let (database, recovered) = try openStore(storage, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = group.next()
        let (events, continuation) = AsyncStream.makeStream(of: LifecycleEvent.self)
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT, SIGUSR1, SIGHUP]) { continuation.yield(.signal($0)) }
        let reservedBytes = Int64(2 * maxJobSize + (8 << 20))
        let storeLogger = logger
        let server = try await SpoolServer(
            configuration: configuration, eventLoop: eventLoop, logger: logger,
            makeStore: {
                guard let database else { return MemoryStore() }
                return SQLiteJobStore(database: database, reservedBytes: reservedBytes, eventLoop: eventLoop, logger: storeLogger)
            },
            recovered: recovered)
        do {
            try await server.start()
        } catch {
            await server.shutdown()
            try? await group.shutdownGracefully()
            throw ValidationError("cannot listen: \(error)")
        }
        let pool = try await WorkerPool(server: server, logger: logger)
        let queues = QueueReloader(directory: queuesDirectory, pool: pool, logger: logger)
        _ = await queues.load()
        let control: ControlPlane?
        do {
            control = try await startControlPlane(
                server: server, pool: PoolControl(pool: pool, reload: { await queues.reload() }),
                durability: mode.description, logger: logger)
        } catch {
            await pool.shutdown(gracePeriod: .zero)
            await server.shutdown()
            try? await database?.close()
            try? await group.shutdownGracefully()
            throw StartupError(message: "cannot start the D-Bus control plane on \(bus ?? "the system bus"): \(error)")
        }
        let service = ServiceReporter(notifier: ServiceNotifier(), logger: logger)
        let tasks = try await service.start(server: server, pool: pool, idleLimit: exitWhenIdle) { continuation.yield(.idle) }
        logger.notice("spoold started", metadata: [
            "version": "\(SpoolVersion.current)",
            "listeners": "\((configuration.inheritedSockets.map(\.name) + configuration.listeners.map(\.description)).joined(separator: " "))",
        ])
        loop: for await event in events {
            switch event {
            case .signal(SIGUSR1):
                logger.notice("entering drain mode: puts are refused")
                server.drain()
            case .signal(SIGHUP):
                logger.notice("reloading the queue directory", metadata: ["directory": "\(queuesDirectory)"])
                Task { _ = await queues.reload() }
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
        await pool.shutdown(gracePeriod: .seconds(Int64(workerStopTimeout)))
        control?.stop()
        await server.shutdown()
        try await database?.close()
        try await group.shutdownGracefully()
    }

    /// Connects to the bus chosen by --bus and starts the control plane; nil
    /// for `none`. Without --bus the system bus is tried, and spoold goes on
    /// without the control plane (with a warning) when that fails: a spoold
    /// run by hand on a machine without the bus or its policy still serves.
    private func startControlPlane(
        server: SpoolServer, pool: PoolControl, durability: String, logger: Logger
    ) async throws -> ControlPlane? {
        let choice: Connection.Bus
        switch bus {
        case "none": return nil
        case nil, "system": choice = .system
        case "session": choice = .session
        case let address?: choice = .address(address)
        }
        do {
            let connection = try Connection(choice)
            do {
                return try await ControlPlane(
                    connection: connection, server: server, pool: pool, version: SpoolVersion.current,
                    durability: durability, logger: logger)
            } catch {
                connection.close()
                throw error
            }
        } catch where bus == nil {
            logger.warning("no D-Bus control plane on the system bus", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Opens the durable store and reads back its jobs, telling systemd while
    /// it does; nothing, and one line saying so, without a state directory.
    private func openStore(_ storage: Storage, logger: Logger) throws -> (StoreDatabase?, RecoveredQueue) {
        guard let directory = storage.directory else {
            if let flag = storage.ignoredFlag {
                logger.warning("\(flag) has no effect without a state directory (-b DIR)")
            }
            logger.notice("no state directory (-b DIR, --state-directory DIR or $STATE_DIRECTORY): jobs are kept in memory only")
            return (nil, RecoveredQueue())
        }
        let mode = storage.mode
        _ = try? ServiceNotifier().notify(.status("recovering jobs from \(directory)"))
        let started = ContinuousClock.now
        do {
            let (database, recovered) = try StoreDatabase.open(directory: directory, mode: mode)
            let elapsed = (ContinuousClock.now - started).components
            logger.notice("store opened", metadata: [
                "path": "\(database.path)", "durability": "\(mode)", "jobs": "\(recovered.jobs.count)",
                "recovery_ms": "\(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)",
            ])
            return (database, recovered)
        } catch let error as StoreError {
            logger.critical("cannot open the store", metadata: ["error": "\(error)", "state_directory": "\(directory)"])
            throw StartupError(message: error.description)
        }
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

/// Where jobs are kept and how hard the store works, from the command line.
struct Storage {
    /// The durability mode; `off` when there is no state directory.
    var mode: DurabilityMode
    /// The state directory of the durable store; nil for memory only.
    var directory: String?
    /// A beanstalkd fsync flag (-f or -F) given without a state directory,
    /// which has no effect.
    var ignoredFlag: String?
}

/// A failure that prevents spoold from starting, told in one line.
struct StartupError: Error {
    let message: String
}
