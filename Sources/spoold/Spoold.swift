import Dispatch
import Logging
import SpoolCore
import SpoolEngineHost
import SpoolProtocol
import SpoolServer
import SpoolStore
import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// spoold's entry point.
///
/// `main` is not `async`: an async main parks the main thread in
/// libdispatch's `dispatch_main`, which ends it with `pthread_exit`, a forced
/// unwind of its stack that loads libgcc_s and reads the binary's unwind
/// tables (0.4 MB of RSS measured at every start, for nothing). The daemon
/// runs on the global executor instead, and the main thread waits for it.
@main
enum SpooldMain {
    static func main() {
        // Before any other thread exists: take the sockets systemd passed (this
        // unsets LISTEN_*, which is not thread-safe) and route logs to the journal.
        let inherited: [ActivatedSocket]
        do {
            inherited = try SocketActivation.takeListeningSockets()
        } catch {
            fail("cannot take the sockets passed by systemd: \(error)", status: 1)
        }
        LoggingSystem.bootstrap { label in SystemdLogging.handler(label: label, identifier: "spoold") }
        let command: Spoold
        do {
            command = try Spoold(arguments: CommandLine.arguments.dropFirst())
            if command.showHelp {
                print(Spoold.help, terminator: "")
                return
            }
            try command.validate()
        } catch let error as UsageError {
            fail("\(error.message)\nSee 'spoold --help'.", status: UsageError.exitStatus)
        } catch {
            fail("\(error)", status: UsageError.exitStatus)
        }
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await command.run(inherited: inherited)
            } catch let error as StartupError {
                fail(error.message, status: 1)
            } catch {
                fail("\(error)", status: 1)
            }
            finished.signal()
        }
        finished.wait()
    }

    /// Writes `spoold: message` to stderr and exits with `status`.
    private static func fail(_ message: String, status: Int32) -> Never {
        _ = "spoold: \(message)\n".withCString { write(2, $0, strlen($0)) }
        exit(status)
    }
}

/// The spoold command line: Spool's own flags plus beanstalkd's, so that spoold
/// can take beanstalkd's place in existing scripts and images. Parsed by hand
/// (``init(arguments:)``), as beanstalkd parses its own with getopt: a
/// reflection-based parser cost every socket-activated start milliseconds and
/// linked Foundation (README, Footprint).
struct Spoold {
    /// --listen: sockets to bind, unix:PATH or tcp:HOST:PORT.
    var listen: [String] = []
    /// --http: sockets for metrics and the dashboard, unix:PATH or tcp:HOST:PORT.
    var http: [String] = []
    /// -l: beanstalkd's listen address (a host, or unix:PATH).
    var beanstalkdAddress: String?
    /// -p: beanstalkd's TCP port.
    var beanstalkdPort: Int?
    /// -z: the largest job body accepted.
    var maxJobSize: Int = ProtocolLimits.defaultMaxJobSize
    /// -b, --state-directory: where jobs are kept durably.
    var stateDirectory: String?
    /// --postgresql: the database of a cluster of nodes (a libpq URI).
    var postgresql: String?
    /// --durability: always, interval:MS, nosync or off.
    var durability: String?
    /// -f: beanstalkd's fsync interval in milliseconds.
    var fsyncInterval: UInt32?
    /// -F: beanstalkd's never-fsync flag.
    var neverFsync = false
    /// --max-jobs: the most jobs a tube holds (0 or more; nil: no limit).
    var maxJobsPerTube: Int?
    /// --max-bytes: the most body bytes a tube holds.
    var maxBytesPerTube: Int?
    /// --when-full: refuse or wait.
    var whenFull = TubeLimits.WhenFull.refuse
    /// --memory-limit: the memory jobs may take before puts are refused.
    var memoryLimit: Int?
    /// --bus: the D-Bus bus for the control plane.
    var bus: String?
    /// --queues-directory: the worker pool's queue files.
    var queuesDirectory = "/etc/spool/queues.d"
    /// --worker-stop-timeout: how long handlers may finish when stopping.
    var workerStopTimeout: UInt32 = 30
    /// --exit-when-idle: seconds without jobs and connections before exiting (0: never).
    var exitWhenIdle: UInt32 = 0
    /// -V, repeatable: more logging.
    var verbosity = 0
    /// -v, --version.
    var showVersion = false
    /// -h, --help.
    var showHelp = false

    /// Checks what the options mean together; the first problem found, told in one line.
    func validate() throws(UsageError) {
        guard (1...ProtocolLimits.maxJobSizeCeiling).contains(maxJobSize) else {
            throw UsageError("-z must be between 1 and \(ProtocolLimits.maxJobSizeCeiling)")
        }
        _ = try storage()
        _ = try listeners()
        _ = try httpAddresses()
    }

    /// The name systemd gives (FileDescriptorName=) the HTTP listener's socket
    /// (spoold-http.socket); every other socket passed serves the protocol.
    static let httpSocketName = "http"

    /// The addresses of --http.
    func httpAddresses() throws(UsageError) -> [ListenAddress] {
        var addresses: [ListenAddress] = []
        for text in http {
            guard let address = ListenAddress(text) else {
                throw UsageError("bad --http address '\(text)': use tcp:HOST:PORT (e.g. tcp:127.0.0.1:11380) or unix:PATH")
            }
            addresses.append(address)
        }
        return addresses
    }

    /// Where and how jobs are kept, decided as beanstalkd decides it: durable
    /// in a state directory when one is named (-b, --state-directory or
    /// $STATE_DIRECTORY), in memory only when none is. --durability, -f and -F
    /// choose how hard the store works; without a directory an explicit
    /// --durability other than `off` is refused, and -f/-F are accepted and
    /// ignored with a warning, as beanstalkd ignores them without -b.
    func storage() throws(UsageError) -> Storage {
        let given = [durability != nil, fsyncInterval != nil, neverFsync].filter { $0 }.count
        if let postgresql {
            guard stateDirectory == nil, given == 0 else {
                throw UsageError("--postgresql keeps jobs in PostgreSQL: it takes no -b, --state-directory, --durability, -f or -F")
            }
            return .cluster(conninfo: postgresql)
        }
        guard given <= 1 else { throw UsageError("choose one of --durability, -f and -F") }
        var mode = DurabilityMode.always
        if let durability {
            guard let chosen = DurabilityMode(durability) else {
                throw UsageError("bad --durability '\(durability)': use always, interval:MS, nosync or off")
            }
            mode = chosen
        } else if let fsyncInterval {
            mode = fsyncInterval == 0 ? .always : .interval(milliseconds: fsyncInterval)
        } else if neverFsync {
            mode = .nosync
        }
        guard let directory = namedStateDirectory else {
            if durability != nil, mode != .off {
                throw UsageError(
                    "--durability \(mode) needs a state directory: add -b DIR (or --state-directory DIR); without one spoold keeps jobs in memory only")
            }
            let ignored = fsyncInterval != nil ? "-f" : neverFsync ? "-F" : nil
            return .memory(
                reason: "no state directory (-b DIR, --state-directory DIR or $STATE_DIRECTORY): jobs are kept in memory only",
                ignoredFlag: ignored)
        }
        guard mode != .off else { return .memory(reason: "--durability off: jobs are kept in memory only", ignoredFlag: nil) }
        return .durable(directory: directory, mode: mode)
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
    func listeners(inheritedAny: Bool = false) throws(UsageError) -> [ListenAddress] {
        var addresses: [ListenAddress] = []
        for text in listen {
            guard let address = ListenAddress(text) else {
                throw UsageError("bad --listen address '\(text)': use unix:PATH or tcp:HOST:PORT")
            }
            addresses.append(address)
        }
        if beanstalkdAddress != nil || beanstalkdPort != nil {
            let port = beanstalkdPort ?? 11300
            guard (0...65535).contains(port) else { throw UsageError("-p must be a port number") }
            let host = beanstalkdAddress ?? "0.0.0.0"
            if host.hasPrefix("unix:") {
                guard let address = ListenAddress(host) else { throw UsageError("bad -l address '\(host)'") }
                addresses.append(address)
            } else {
                addresses.append(.tcp(host: host, port: port))
            }
        }
        return addresses.isEmpty && !inheritedAny ? [.tcp(host: "127.0.0.1", port: 11300)] : addresses
    }

    /// Runs spoold as the command line says (or prints its version).
    func run(inherited: [ActivatedSocket]) async throws {
        if showVersion {
            print("spoold \(SpoolVersion.current) (beanstalkd \(SpoolVersion.beanstalkdProtocol) protocol)")
            return
        }
        var logger = Logger(label: "spoold")
        logger.logLevel = verbosity >= 2 ? .debug : verbosity == 1 ? .info : .notice
        let storage = try storage()
        var host = HostConfiguration(maxJobSize: maxJobSize)
        host.durability = if case .cluster = storage { "postgresql" } else { storage.mode.description }
        host.defaultLimits = TubeLimits(maxJobs: maxJobsPerTube, maxBytes: maxBytesPerTube, whenFull: whenFull)
        host.memoryLimit = memoryLimit ?? MemoryLimit.default
        let sockets = inherited.map { InheritedSocket(fileDescriptor: $0.fileDescriptor, name: $0.name) }
        let protocolSockets = sockets.filter { $0.name != Self.httpSocketName }
        let httpSockets = sockets.filter { $0.name == Self.httpSocketName }
        let server = ServerConfiguration(
            listeners: try listeners(inheritedAny: !protocolSockets.isEmpty), inheritedSockets: protocolSockets)
        let httpAddresses = try httpAddresses()
        let http = httpAddresses.isEmpty && httpSockets.isEmpty
            ? nil : ServerConfiguration(listeners: httpAddresses, inheritedSockets: httpSockets)
        try await Daemon(
            storage: storage, host: host, server: server, http: http, bus: bus, queuesDirectory: queuesDirectory,
            workerStopTimeout: .seconds(Int64(workerStopTimeout)), exitWhenIdle: exitWhenIdle, logger: logger
        ).run()
    }
}
