import NIOConcurrencyHelpers
import NIOCore
import SpoolProtocol

/// A client of the beanstalkd protocol, for Spool's `spoold` or any
/// beanstalkd, over one connection.
///
/// ```swift
/// let client = SpoolClient(try Endpoint(parsing: "unix:/run/spool/spool.sock"))
/// try await client.use("emails")
/// let id = try await client.put("hello", priority: 10)
/// try await client.watch("emails")
/// if let job = try await client.reserve(timeout: .seconds(5)) {
///     try await client.delete(job.id)
/// }
/// await client.close()
/// ```
///
/// **Connecting.** The client connects lazily, on the first command (or
/// ``connect()``), retrying as its ``ReconnectPolicy`` says. With
/// ``ReconnectPolicy/never`` one attempt is made and a server that is not
/// there fails the command at once with ``SpoolClientError/connectionFailed(_:)``.
///
/// **Pipelining.** Commands from many tasks share the connection and do not
/// wait for each other: each is written as soon as it is called, and replies
/// are matched to commands in the order they were written. A call writes its
/// command before it first suspends, so one task's commands reach the server
/// in the order it made them. Like the server, the connection answers in
/// order: a command behind a blocking `reserve` waits for it.
///
/// **Reconnecting.** When the connection drops, the commands in flight throw
/// ``SpoolClientError/connectionClosed``; none is sent again, since the
/// server may have applied it (a `put` may have inserted its job: sending
/// it again, at-least-once, is the caller's call). The next command
/// reconnects, callers that arrive meanwhile share that one reconnect, and
/// before anything else the client restores the session: the tube ``use(_:)``
/// chose and the watch list, as every `use`, `watch` and `ignore` written so
/// far left it (one that threw `connectionClosed` included). Jobs reserved on
/// the old connection are not restored: the server made them ready again.
///
/// **Durations.** Delays, TTRs, pauses and reserve timeouts travel as whole
/// seconds, rounded up (a TTR is at least 1 s); a negative duration is an
/// ``SpoolClientError/invalidArgument(_:)``, as is an invalid tube name.
/// Nothing is sent for an invalid argument.
///
/// **Cancellation.** A task cancelled while it waits for a connection stops
/// waiting with `CancellationError`. A command already written waits for its
/// reply, which comes quickly, except a `reserve`: see ``reserve(timeout:)``.
public actor SpoolClient {
    /// The server this client connects to.
    public nonisolated let endpoint: Endpoint
    /// How this client connects and reconnects.
    public nonisolated let configuration: ClientConfiguration

    private var connection: Connection?
    private var connecting: ConnectAttempt?
    private var session = SessionState()

    /// A client for the server at `endpoint`. It connects on its first command.
    public init(_ endpoint: Endpoint, configuration: ClientConfiguration = .init()) {
        self.endpoint = endpoint
        self.configuration = configuration
    }

    /// Connects now, if not connected yet, rather than on the first command.
    ///
    /// - Throws: ``SpoolClientError/connectionFailed(_:)`` when the policy's
    ///   attempts all fail.
    public func connect() async throws {
        _ = try await currentConnection()
    }

    /// Closes the connection. Commands in flight throw
    /// ``SpoolClientError/connectionClosed``, and so do callers waiting for a
    /// reconnect; the server makes jobs this client had reserved ready again.
    /// A later command connects again, with the session (used tube, watch
    /// list) restored.
    public func close() async {
        connecting?.abandon()
        connecting = nil
        connection?.close()
        connection = nil
    }

    /// Dropping the last reference to a client closes its connection.
    deinit {
        connection?.close()
    }

    // MARK: Producer commands

    /// `use`: later puts go into `tube`.
    public func use(_ tube: String) async throws {
        let tube = try ProtocolArguments.tube(tube)
        try await request(.use(tube: tube), recording: { $0.use(tube) }) { reply in
            if case .using = reply { return () } else { return nil }
        }
    }

    /// `put`: inserts a job into the used tube.
    ///
    /// - Parameters:
    ///   - body: the job's bytes; the server refuses more than its maximum job
    ///     size with ``SpoolClientError/jobTooBig``.
    ///   - priority: lower is more urgent; 0 is the most urgent.
    ///   - delay: how long the job waits before it is ready (whole seconds, rounded up).
    ///   - ttr: how long a worker may hold the job reserved (whole seconds, rounded up, at least 1).
    /// - Returns: the new job's id.
    /// - Throws: ``SpoolClientError/buried(id:)`` when the server buried the
    ///   job instead; ``SpoolClientError/draining``, ``SpoolClientError/outOfMemory``
    ///   and the other error replies.
    public func put(_ body: [UInt8], priority: UInt32 = 1024, delay: Duration = .zero,
                    ttr: Duration = .seconds(60)) async throws -> UInt64 {
        let command = Command.put(
            priority: priority, delay: try ProtocolArguments.seconds(delay, of: "delay"),
            ttr: try ProtocolArguments.seconds(ttr, of: "TTR", minimum: 1),
            body: ByteBuffer(bytes: try ProtocolArguments.body(body)))
        return try await request(command) { reply in
            if case .inserted(let id) = reply { return id } else { return nil }
        }
    }

    /// `put` of `body`'s UTF-8 bytes, as the `[UInt8]` form of `put` does.
    public func put(_ body: String, priority: UInt32 = 1024, delay: Duration = .zero,
                    ttr: Duration = .seconds(60)) async throws -> UInt64 {
        try await put(Array(body.utf8), priority: priority, delay: delay, ttr: ttr)
    }

    // MARK: Worker commands

    /// `watch`: adds `tube` to the watch list.
    ///
    /// - Returns: how many tubes are watched now.
    @discardableResult
    public func watch(_ tube: String) async throws -> Int {
        let tube = try ProtocolArguments.tube(tube)
        return try await request(.watch(tube: tube), recording: { $0.watch(tube) }) { reply in
            if case .watching(let count) = reply { return count } else { return nil }
        }
    }

    /// `ignore`: removes `tube` from the watch list.
    ///
    /// - Returns: how many tubes are watched now.
    /// - Throws: ``SpoolClientError/notIgnored`` when `tube` is the only one watched.
    @discardableResult
    public func ignore(_ tube: String) async throws -> Int {
        let tube = try ProtocolArguments.tube(tube)
        return try await request(.ignore(tube: tube), recording: { $0.ignore(tube) }) { reply in
            if case .watching(let count) = reply { return count } else { return nil }
        }
    }

    /// `reserve` (or `reserve-with-timeout`): takes the most urgent ready job
    /// of the watched tubes, waiting for one if there is none.
    ///
    /// Cancelling the task while it waits closes the connection, the only
    /// way to take back a command the server is processing: the server makes
    /// ready again any job it had just reserved for it (nothing is lost), the
    /// call throws `CancellationError`, and other commands in flight on this
    /// client throw ``SpoolClientError/connectionClosed``. A task cancelled
    /// before the call sends nothing; one cancelled after the reply came
    /// gets its job.
    ///
    /// - Parameter timeout: how long to wait (whole seconds, rounded up;
    ///   zero does not wait); nil waits as long as it takes.
    /// - Returns: the job, or nil when the timeout passed first (`TIMED_OUT`).
    /// - Throws: ``SpoolClientError/deadlineSoon`` when a job this client
    ///   reserved is about to run out of time to run.
    public func reserve(timeout: Duration? = nil) async throws -> Job? {
        try Task.checkCancellation()
        let command: Command = try timeout.map { .reserveWithTimeout(seconds: try ProtocolArguments.timeout($0)) } ?? .reserve
        let connection = try await currentConnection()
        let reply = connection.send([command])[0]
        let closedByCancellation = NIOLockedValueBox(false)
        let received: ReceivedReply
        do {
            received = try await withTaskCancellationHandler {
                try await reply.get()
            } onCancel: {
                closedByCancellation.withLockedValue { $0 = true }
                connection.close()
            }
        } catch {
            if closedByCancellation.withLockedValue({ $0 }) { throw CancellationError() }
            throw error
        }
        // A job reserved on the connection just closed is the server's again.
        if closedByCancellation.withLockedValue({ $0 }) { throw CancellationError() }
        return try Self.interpret(received) { reply in
            switch reply {
            case .reserved(let id, let body): return Job(id: id, body: Array(buffer: body))
            case .word(.timedOut): return .some(nil)
            default: return nil
            }
        }
    }

    /// `reserve-job`: reserves the job `id` itself, whatever its state
    /// (ready, delayed or buried), if no one holds it.
    ///
    /// - Returns: the job, or nil when it does not exist or is reserved (`NOT_FOUND`).
    public func reserve(id: UInt64) async throws -> Job? {
        try await request(.reserveJob(id: id)) { reply in
            switch reply {
            case .reserved(let id, let body): return Job(id: id, body: Array(buffer: body))
            case .word(.notFound): return .some(nil)
            default: return nil
            }
        }
    }

    /// `delete`: removes the job `id` (reserved by this client, ready, delayed or buried).
    ///
    /// - Throws: ``SpoolClientError/notFound`` when there is no such job it may delete.
    public func delete(_ id: UInt64) async throws {
        try await expect(.delete(id: id), .deleted)
    }

    /// `release`: puts back the job `id`, reserved by this client, with
    /// `priority`, ready after `delay` (whole seconds, rounded up).
    ///
    /// - Throws: ``SpoolClientError/notFound`` when this client does not hold
    ///   the job; ``SpoolClientError/buried(id:)`` when the server buried it instead.
    public func release(_ id: UInt64, priority: UInt32 = 1024, delay: Duration = .zero) async throws {
        let command = Command.release(id: id, priority: priority, delay: try ProtocolArguments.seconds(delay, of: "delay"))
        try await request(command) { reply in
            switch reply {
            case .word(.released): return ()
            case .word(.buried): throw SpoolClientError.buried(id: id)
            default: return nil
            }
        }
    }

    /// `bury`: sets aside the job `id`, reserved by this client, with `priority`.
    ///
    /// - Throws: ``SpoolClientError/notFound`` when this client does not hold the job.
    public func bury(_ id: UInt64, priority: UInt32 = 1024) async throws {
        try await expect(.bury(id: id, priority: priority), .buried)
    }

    /// `touch`: gives this client the job `id`'s whole TTR again.
    ///
    /// - Throws: ``SpoolClientError/notFound`` when this client does not hold the job.
    public func touch(_ id: UInt64) async throws {
        try await expect(.touch(id: id), .touched)
    }

    // MARK: Other commands

    /// `kick`: moves up to `bound` jobs of the used tube to ready: buried jobs
    /// if there are any, else delayed ones.
    ///
    /// - Returns: how many jobs were kicked.
    public func kick(_ bound: Int) async throws -> Int {
        try await request(.kick(bound: try ProtocolArguments.bound(bound))) { reply in
            if case .kicked(let count) = reply { return Int(count) } else { return nil }
        }
    }

    /// `kick-job`: moves the buried or delayed job `id` to ready.
    ///
    /// - Throws: ``SpoolClientError/notFound`` when it does not exist or is neither buried nor delayed.
    public func kickJob(_ id: UInt64) async throws {
        try await expect(.kickJob(id: id), .kicked)
    }

    /// `peek`: the job `id`, whatever its state, or nil when it does not exist.
    public func peek(_ id: UInt64) async throws -> Job? {
        try await peek(.peek(id: id))
    }

    /// `peek-ready`: the next ready job of the used tube, or nil.
    public func peekReady() async throws -> Job? {
        try await peek(.peekReady)
    }

    /// `peek-delayed`: the delayed job of the used tube with the least delay left, or nil.
    public func peekDelayed() async throws -> Job? {
        try await peek(.peekDelayed)
    }

    /// `peek-buried`: the next buried job of the used tube, or nil.
    public func peekBuried() async throws -> Job? {
        try await peek(.peekBuried)
    }

    /// `stats`: the server's statistics.
    public func stats() async throws -> Statistics {
        try await document(.stats) { Statistics(entries: YAMLReader.mapping($0)) }
    }

    /// `stats-tube`: the statistics of `tube`.
    ///
    /// - Throws: ``SpoolClientError/notFound`` when the tube does not exist.
    public func statsTube(_ tube: String) async throws -> Statistics {
        try await document(.statsTube(tube: try ProtocolArguments.tube(tube))) { Statistics(entries: YAMLReader.mapping($0)) }
    }

    /// `stats-job`: the statistics of the job `id`.
    ///
    /// - Throws: ``SpoolClientError/notFound`` when the job does not exist.
    public func statsJob(_ id: UInt64) async throws -> Statistics {
        try await document(.statsJob(id: id)) { Statistics(entries: YAMLReader.mapping($0)) }
    }

    /// `list-tubes`: the names of every tube that exists.
    public func listTubes() async throws -> [String] {
        try await document(.listTubes, YAMLReader.list)
    }

    /// `list-tube-used`: the tube `put` uses.
    public func listTubeUsed() async throws -> String {
        try await request(.listTubeUsed) { reply in
            if case .using(let tube) = reply { return tube } else { return nil }
        }
    }

    /// `list-tubes-watched`: the tubes `reserve` takes jobs from.
    public func listTubesWatched() async throws -> [String] {
        try await document(.listTubesWatched, YAMLReader.list)
    }

    /// `pause-tube`: no job of `tube` is reserved for `duration` (whole
    /// seconds, rounded up); zero ends a pause.
    ///
    /// - Throws: ``SpoolClientError/notFound`` when the tube does not exist.
    public func pauseTube(_ tube: String, for duration: Duration) async throws {
        let command = Command.pauseTube(tube: try ProtocolArguments.tube(tube),
                                        delay: try ProtocolArguments.seconds(duration, of: "pause"))
        try await expect(command, .paused)
    }

    // MARK: Internals

    /// How many commands are written and not answered yet (0 when not connected).
    func awaitedReplies() async throws -> Int {
        guard let connection else { return 0 }
        return try await connection.awaitedReplies()
    }

    /// Sends `command`, expecting the one-word reply `word`.
    private func expect(_ command: Command, _ word: Reply.Word) async throws {
        try await request(command) { reply in reply == .word(word) ? () : nil }
    }

    private func peek(_ command: Command) async throws -> Job? {
        try await request(command) { reply in
            switch reply {
            case .found(let id, let body): return Job(id: id, body: Array(buffer: body))
            case .word(.notFound): return .some(nil)
            default: return nil
            }
        }
    }

    private func document<Value>(_ command: Command, _ read: ([UInt8]) -> Value) async throws -> Value {
        try await request(command) { reply in
            if case .ok(let document) = reply { return read(Array(buffer: document)) } else { return nil }
        }
    }

    /// Sends `command` and reads its reply with `interpret`, which returns
    /// nil for a reply it does not expect (thrown as the error it stands for)
    /// or throws an error of its own.
    ///
    /// `recording` applies the command's effect on the session when the
    /// command is written, before the first suspension after it.
    private func request<Value>(_ command: Command, recording: (inout SessionState) -> Void = { _ in },
                                _ interpret: (Reply) throws -> Value?) async throws -> Value {
        let connection = try await currentConnection()
        let reply = connection.send([command])[0]
        recording(&session)
        return try Self.interpret(try await reply.get(), interpret)
    }

    private static func interpret<Value>(_ received: ReceivedReply, _ interpret: (Reply) throws -> Value?) throws -> Value {
        guard case .reply(let reply) = received, let value = try interpret(reply) else { throw received.failure }
        return value
    }

    /// The open connection, or a new one once a (shared) reconnect has made it.
    private func currentConnection() async throws -> Connection {
        if let connection, connection.isOpen { return connection }
        connection = nil
        let attempt: ConnectAttempt
        if let pending = connecting, !pending.isAbandoned {
            attempt = pending
        } else {
            attempt = ConnectAttempt()
            connecting = attempt
            let endpoint = endpoint
            let configuration = configuration
            attempt.start(Task {
                let outcome: Result<Connection, Error>
                do {
                    outcome = .success(try await Connection.establish(to: endpoint, configuration: configuration))
                } catch {
                    outcome = .failure(error)
                }
                self.finish(attempt, with: outcome)
            })
        }
        return try await attempt.wait(as: attempt.join())
    }

    /// Installs a new connection, restoring the session on it before any
    /// other command, then hands it to everyone waiting for it.
    private func finish(_ attempt: ConnectAttempt, with outcome: Result<Connection, Error>) {
        if connecting === attempt { connecting = nil }
        guard case .success(let new) = outcome, !attempt.isAbandoned else {
            if case .success(let unwanted) = outcome { unwanted.close() }
            attempt.finish(outcome)
            return
        }
        connection = new
        let restoring = session.restoringCommands
        for reply in new.send(restoring) {
            reply.whenComplete { result in
                switch result {
                case .success(.reply(.using)), .success(.reply(.watching)): break
                default: new.close()
                }
            }
        }
        attempt.finish(outcome)
    }
}
